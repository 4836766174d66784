/** Who made a request, as established by the auth guard from its bearer token. */
export type Principal = { kind: 'admin' } | { kind: 'enrolment' } | { kind: 'node'; nodeId: string }

export type Role = Principal['kind']

/** Where the guard leaves the principal on the request. */
export const PRINCIPAL_KEY = 'imgswarmPrincipal'
