import { describe, expect, it } from '@jest/globals'
import { InvalidInputError } from '@imgswarm/core'
import { SelectorError } from './errors.js'
import { formatSelector, matchesSelector, parseLabels, parseSelector, validateLabels } from './selector.js'

describe('parseSelector', () => {
  it('parses equality terms, trims spaces and sorts keys', () => {
    const s = parseSelector(' site=plant-3 , region=eu')
    expect(s).toEqual({ region: 'eu', site: 'plant-3' })
    expect(Object.keys(s)).toEqual(['region', 'site'])
    expect(formatSelector(s)).toBe('region=eu,site=plant-3')
  })

  it('takes * as every node and refuses an empty selector', () => {
    expect(parseSelector('*')).toEqual({})
    expect(formatSelector({})).toBe('*')
    expect(() => parseSelector('  ')).toThrow(/selector is empty/)
  })

  it.each([
    ['site', /term #1 "site" has no "="/],
    ['site=a,,region=eu', /term #2 is empty/],
    ['site!=a', /only equality/],
    ['site==a', /single "="/],
    ['=a', /key is empty/],
    ['site=', /value is empty/],
    ['si te=a', /key may hold/],
    ['site=a b', /value may hold/],
    ['site=-a', /value may hold/],
    ['site=a,site=b', /given twice/],
    [`k=${'v'.repeat(64)}`, /longer than 63/],
  ])('refuses %j with a clear error', (text, message) => {
    let caught: unknown
    try {
      parseSelector(text)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(SelectorError)
    expect(caught).toBeInstanceOf(InvalidInputError)
    expect((caught as Error).message).toMatch(message)
  })

  it('accepts a repeated identical term and prefixed keys', () => {
    expect(parseSelector('site=a,site=a,example.com/rack=r1')).toEqual({ 'example.com/rack': 'r1', site: 'a' })
  })
})

describe('matchesSelector', () => {
  const labels = { site: 'plant-3', region: 'eu', role: 'hmi' }
  it('matches when every key has the same value', () => {
    expect(matchesSelector(parseSelector('site=plant-3,region=eu'), labels)).toBe(true)
    expect(matchesSelector({}, labels)).toBe(true)
  })
  it('does not match a different value or a missing key', () => {
    expect(matchesSelector(parseSelector('site=plant-4'), labels)).toBe(false)
    expect(matchesSelector(parseSelector('rack=r1'), labels)).toBe(false)
    // inherited properties are not labels
    expect(matchesSelector({ toString: 'x' } as never, {})).toBe(false)
  })
})

describe('node labels', () => {
  it('parses repeated flags and comma lists alike', () => {
    expect(parseLabels(['site=a', 'region=eu,role=x'])).toEqual({ region: 'eu', role: 'x', site: 'a' })
    expect(parseLabels('')).toEqual({})
    expect(() => parseLabels(['site'])).toThrow(SelectorError)
  })

  it('validates an object of labels', () => {
    expect(validateLabels({ site: 'a' })).toEqual({ site: 'a' })
    expect(() => validateLabels({ site: 3 })).toThrow(/string value/)
    expect(() => validateLabels({ 'bad key': 'a' })).toThrow(/key may hold/)
    expect(() => validateLabels([] as never)).toThrow(/must be an object/)
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']))
    expect(() => validateLabels(many)).toThrow(/limit of 32/)
  })
})
