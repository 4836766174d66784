/** A number and a unit spelling, `256MiB`, `2.5 mbit` or `1048576`; the unit lower-cased, '' when absent. */
const QUANTITY = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i

/**
 * Reads `text` as a number times one of `units` (keys lower-case, '' for a bare number).
 * Undefined when it is not such a quantity; callers word the error, since they know what was meant.
 */
export function readQuantity(text: string, units: Readonly<Record<string, number>>): number | undefined {
  const m = QUANTITY.exec(text)
  if (m === null) return undefined
  const factor = units[m[2].toLowerCase()]
  return factor === undefined ? undefined : Number(m[1]) * factor
}
