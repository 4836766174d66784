import { MAX_LABEL_LENGTH, MAX_LABELS } from './constants.js'
import { SelectorError } from './errors.js'
import type { LabelSelector, NodeLabels } from './types.js'

/** Selector text that selects every node. */
export const MATCH_ALL = '*'

// Letters, digits, '.', '_', '-', starting and ending with a letter or digit; keys may add '/'
// for a prefix (`example.com/rack`).
const KEY = /^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$/
const VALUE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/

/**
 * Parses `site=plant-3,region=eu` (equality terms, comma separated, spaces allowed around
 * terms) into a selector; `*` selects every node. Throws `SelectorError` saying which term is wrong.
 */
export function parseSelector(text: string): LabelSelector {
  if (typeof text !== 'string') throw new SelectorError(`a selector must be a string, got ${typeof text}`)
  const trimmed = text.trim()
  if (trimmed === MATCH_ALL) return {}
  if (trimmed === '') throw new SelectorError(`the selector is empty: write key=value[,key=value…], or ${MATCH_ALL} for every node`)
  return parseTerms(trimmed.split(','), 'selector')
}

/**
 * Parses node labels given as `key=value` strings (one per flag) or comma-separated text.
 * Same grammar as selectors; no `*`.
 */
export function parseLabels(input: string | readonly string[]): NodeLabels {
  const terms = typeof input === 'string' ? (input.trim() === '' ? [] : input.split(',')) : input.flatMap((s) => s.split(','))
  return parseTerms(terms, 'label')
}

/** Checks labels already given as an object (e.g. from a JSON body); returns a clean copy. */
export function validateLabels(labels: Readonly<Record<string, unknown>>): NodeLabels {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new SelectorError('labels must be an object of key: value strings')
  }
  const entries = Object.entries(labels)
  if (entries.length > MAX_LABELS) throw new SelectorError(`${entries.length} labels, more than the limit of ${MAX_LABELS}`)
  const out: Record<string, string> = {}
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new SelectorError(`label ${JSON.stringify(key)} must have a string value`)
    checkKey(key, `label ${JSON.stringify(key)}`)
    checkValue(value, `label ${JSON.stringify(key)}`)
    out[key] = value
  }
  return sorted(out)
}

/** True when `labels` carries every key of `selector` with the same value. */
export function matchesSelector(selector: LabelSelector, labels: NodeLabels): boolean {
  for (const [key, value] of Object.entries(selector)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false
  }
  return true
}

/** Canonical text of a selector (keys sorted), `*` for the empty one. */
export function formatSelector(selector: LabelSelector): string {
  const keys = Object.keys(selector).sort()
  return keys.length === 0 ? MATCH_ALL : keys.map((k) => `${k}=${selector[k]}`).join(',')
}

function parseTerms(terms: readonly string[], what: 'selector' | 'label'): Record<string, string> {
  if (terms.length > MAX_LABELS) throw new SelectorError(`${what} has ${terms.length} terms, more than the limit of ${MAX_LABELS}`)
  const out: Record<string, string> = {}
  terms.forEach((raw, i) => {
    const term = raw.trim()
    const where = `${what} term #${i + 1} ${JSON.stringify(term)}`
    if (term === '') throw new SelectorError(`${what} term #${i + 1} is empty (stray comma?)`)
    if (term.includes('!=')) throw new SelectorError(`${where}: only equality (key=value) is supported`)
    const eq = term.indexOf('=')
    if (eq < 0) throw new SelectorError(`${where} has no "=": write key=value`)
    const key = term.slice(0, eq).trim()
    const value = term.slice(eq + 1).trim()
    if (value.startsWith('=')) throw new SelectorError(`${where}: write key=value with a single "="`)
    checkKey(key, where)
    checkValue(value, where)
    if (Object.hasOwn(out, key) && out[key] !== value) {
      throw new SelectorError(`${where}: key ${JSON.stringify(key)} is given twice with different values`)
    }
    out[key] = value
  })
  return sorted(out)
}

function checkKey(key: string, where: string): void {
  if (key === '') throw new SelectorError(`${where}: the key is empty`)
  if (key.length > MAX_LABEL_LENGTH) throw new SelectorError(`${where}: the key is longer than ${MAX_LABEL_LENGTH} characters`)
  if (!KEY.test(key)) {
    throw new SelectorError(`${where}: the key may hold letters, digits, ".", "_", "-", "/" and must start and end with a letter or digit`)
  }
}

function checkValue(value: string, where: string): void {
  if (value === '') throw new SelectorError(`${where}: the value is empty`)
  if (value.length > MAX_LABEL_LENGTH) throw new SelectorError(`${where}: the value is longer than ${MAX_LABEL_LENGTH} characters`)
  if (!VALUE.test(value)) {
    throw new SelectorError(`${where}: the value may hold letters, digits, ".", "_", "-" and must start and end with a letter or digit`)
  }
}

function sorted(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}
