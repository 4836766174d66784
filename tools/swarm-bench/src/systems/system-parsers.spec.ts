import { describe, expect, it } from '@jest/globals'
import { parseInfoHash, parseScrapeSeeders, pieceLengthExponent } from './bittorrent-runner.js'
import { numericFields, parseJsonLine, parseSeedAnnouncement } from './imgswarm-runner.js'

describe('BitTorrent helpers', () => {
  it('picks about 1024 pieces, within 32 KiB … 16 MiB', () => {
    expect(pieceLengthExponent(256 * 2 ** 20)).toBe(18) // 256 KiB pieces
    expect(pieceLengthExponent(16 * 2 ** 20)).toBe(15) // floor: 32 KiB
    expect(pieceLengthExponent(64 * 2 ** 30)).toBe(24) // ceiling: 16 MiB
  })

  it('reads the info hash from aria2c -S and the seeder count from a scrape reply', () => {
    expect(parseInfoHash('Mode: single\nInfo Hash: D7CF2D01024FA95E24DACF02912C7090F07F962B\nPiece Length: 256KiB\n')).toBe(
      'd7cf2d01024fa95e24dacf02912c7090f07f962b',
    )
    expect(() => parseInfoHash('nothing here')).toThrow(/no info hash/)
    const hash = Buffer.from('d7cf2d01024fa95e24dacf02912c7090f07f962b', 'hex')
    const reply = Buffer.concat([Buffer.from('d5:filesd20:'), hash, Buffer.from('d8:completei1e10:downloadedi0e10:incompletei3eeee')])
    expect(parseScrapeSeeders(reply)).toBe(1)
    expect(parseScrapeSeeders(Buffer.from('d5:filesdee'))).toBeUndefined()
  })
})

describe('imgswarm output parsing', () => {
  it('finds the seed announcement and ignores log lines', () => {
    expect(parseSeedAnnouncement('{"manifest":"bafy1","publisher":"z6Mk1","addrs":["/ip4/10.77.0.1/tcp/4001/p2p/12D3"]}')).toEqual({
      manifest: 'bafy1',
      publisher: 'z6Mk1',
      addrs: ['/ip4/10.77.0.1/tcp/4001/p2p/12D3'],
    })
    expect(parseSeedAnnouncement('INFO serving image')).toBeUndefined()
    expect(parseSeedAnnouncement('{"level":30,"msg":"x"}')).toBeUndefined()
    expect(parseJsonLine('{broken')).toBeUndefined()
    expect(parseJsonLine('[1,2]')).toBeUndefined()
  })

  it('keeps the numeric counters of the final fetch line', () => {
    const final = parseJsonLine('{"bytesDownloaded":10,"bytesUploaded":20,"manifest":"bafy","durationMs":1234.5}')
    expect(final === undefined ? undefined : numericFields(final)).toEqual({ bytesDownloaded: 10, bytesUploaded: 20, durationMs: 1234.5 })
  })
})
