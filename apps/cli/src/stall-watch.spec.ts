import { describe, expect, it } from '@jest/globals'
import { StallWatch, TransferStalledError } from './stall-watch.js'

const at = (bytesDone: number, peers = 0) => ({ bytesDone, bytesTotal: 1000, peers })

describe('StallWatch', () => {
  it('fails once the verified bytes have not moved for the timeout, measured from the last change', () => {
    const watch = new StallWatch(10_000, 0)
    expect(watch.check(at(0), 0)).toBeUndefined()
    expect(watch.check(at(0), 9_999)).toBeUndefined()
    expect(watch.check(at(100), 9_999)).toBeUndefined() // progress restarts the clock
    expect(watch.check(at(100), 19_998)).toBeUndefined()
    const err = watch.check(at(100, 2), 19_999)
    expect(err).toBeInstanceOf(TransferStalledError)
    expect(err?.code).toBe('ERR_STALLED')
    expect(err?.message).toMatch(/no chunk arrived for 10s \(100 B of 1000 B verified, 2 peers serving this image\)/)
  })

  it('never fails with a timeout of 0', () => {
    const watch = new StallWatch(0, 0)
    watch.check(at(5), 0)
    expect(watch.check(at(5), 1e12)).toBeUndefined()
  })
})
