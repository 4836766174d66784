/**
 * @packageDocumentation
 * The coordinator's REST API for its callers (edge agents and the operator CLI): the request and
 * response types, shared with the service so the two cannot drift, and a small typed client over
 * Node's global fetch.
 *
 * @example
 * ```ts
 * const enrolled = await new CoordinatorClient({ url, token: enrolmentToken }).enrol({ labels: { site: 'plant-3' } })
 * const agent = new CoordinatorClient({ url, token: enrolled.credential })
 * const { desired } = await agent.heartbeat(enrolled.nodeId, { state: 'idle' })
 * ```
 */
export * from './constants.js'
export * from './errors.js'
export type * from './api-types.js'
export { CoordinatorClient, type CoordinatorClientInit, type RequestOptions, type RolloutAction } from './coordinator-client.js'
