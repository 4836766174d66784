// Parsing of the two quantities rollouts speak in: a percentage (kept in hundredths of a percent
// so that arithmetic on it is exact) and a plain count of nodes.

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?%$/
const COUNT = /^\d{1,7}$/

export type Quantity = { kind: 'percent'; basisPoints: number } | { kind: 'count'; count: number }

/** Parses `12.5%` or `7`; returns undefined for anything else (the caller words the error). */
export function parseQuantity(text: string): Quantity | undefined {
  const percent = PERCENT.exec(text)
  if (percent !== null) {
    const basisPoints = Number(percent[1]) * 100 + Number((percent[2] ?? '').padEnd(2, '0'))
    return { kind: 'percent', basisPoints }
  }
  if (COUNT.test(text)) return { kind: 'count', count: Number(text) }
  return undefined
}

/** `1250` -> `12.5%`. */
export function formatPercent(basisPoints: number): string {
  return `${basisPoints / 100}%`
}

export function formatQuantity(q: Quantity): string {
  return q.kind === 'percent' ? formatPercent(q.basisPoints) : String(q.count)
}

/** `ceil(basisPoints% of n)`, in integers. */
export function percentOf(basisPoints: number, n: number): number {
  return Math.ceil((basisPoints * n) / 10_000)
}
