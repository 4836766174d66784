import { describe, expect, it } from '@jest/globals'
import { resolveDesired } from './desired-image.js'
import { parseFailureThreshold } from './failure-threshold.js'
import { reconcile } from './reconcile.js'
import { createRollout, pauseRollout, resumeRollout, rollbackRollout, startRollout } from './rollout-lifecycle.js'
import { parseSelector } from './selector.js'
import { summarizeRollout } from './summary.js'
import type { ImageRef, NodeReport, RolloutState } from './types.js'
import { parseWaveSpec } from './wave-spec.js'

const V1: ImageRef = { name: 'img', version: '1', manifestCid: 'cid-v1' }
const V2: ImageRef = { name: 'img', version: '2', manifestCid: 'cid-v2' }
const NODES = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3']
let clock = 0
const now = () => new Date(Date.UTC(2026, 10, 1) + clock++ * 1000).toISOString()

function rollout(waves = '50%,100%', maxFailures = '1'): RolloutState {
  const r = createRollout({
    id: 'r-1',
    seq: 2,
    image: V2,
    selector: parseSelector('*'),
    waves: parseWaveSpec(waves),
    maxFailures: parseFailureThreshold(maxFailures),
    candidates: NODES.map((id) => ({ id, labels: { site: id[0] }, from: V1 })),
    now: now(),
  })
  return startRollout(r, now())
}

/** A tiny fleet of simulated agents: reports by node id. */
class Fleet {
  readonly reports = new Map<string, NodeReport>()
  set(ids: readonly string[], report: NodeReport): this {
    for (const id of ids) this.reports.set(id, report)
    return this
  }
  readonly lookup = (id: string) => this.reports.get(id)
}

const downloading: NodeReport = { phase: 'downloading', manifestCid: V2.manifestCid, activeManifestCid: V1.manifestCid }
const activeV2: NodeReport = { phase: 'active', manifestCid: V2.manifestCid, activeManifestCid: V2.manifestCid }

describe('reconcile', () => {
  it('follows node reports and starts wave 2 only once every wave-1 node is active', () => {
    let r = rollout()
    const [w1, w2] = [r.waves[0].nodeIds, r.waves[1].nodeIds]
    const fleet = new Fleet().set(NODES, { phase: 'idle', activeManifestCid: V1.manifestCid })

    let res = reconcile(r, fleet.lookup, now())
    expect(res.changed).toBe(false)
    expect(res.state).toBe(r)

    fleet.set(w1, downloading)
    r = reconcile(r, fleet.lookup, now()).state
    expect(w1.map((id) => r.nodes[id].state)).toEqual(['downloading', 'downloading', 'downloading'])
    expect(r.currentWave).toBe(0)

    fleet.set(w1.slice(0, 2), activeV2).set([w1[2]], { ...downloading, phase: 'verifying' })
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.nodes[w1[2]].state).toBe('verifying')
    expect(r.currentWave).toBe(0)
    expect(resolveDesired([r], w2[0])).toBeUndefined()

    fleet.set([w1[2]], activeV2)
    res = reconcile(r, fleet.lookup, now())
    r = res.state
    expect(res.changed).toBe(true)
    expect(r.currentWave).toBe(1)
    expect(r.waves[0].settledAt).toBeDefined()
    expect(resolveDesired([r], w2[0])).toEqual({ rolloutId: 'r-1', image: V2, rollback: false })
    expect(summarizeRollout(r).waves.map((w) => w.status)).toEqual(['settled', 'in-progress'])

    fleet.set(w2, activeV2)
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('completed')
    expect(summarizeRollout(r).counts.active).toBe(6)
    expect(r.events.map((e) => e.type)).toEqual(['created', 'started', 'wave-started', 'wave-started', 'completed'])
  })

  it('applies only the named reports when asked (a heartbeat), but still starts the next wave in full', () => {
    let r = rollout()
    const [w1, w2] = [r.waves[0].nodeIds, r.waves[1].nodeIds]
    const fleet = new Fleet().set(NODES, activeV2)
    r = reconcile(r, fleet.lookup, now(), { only: [w1[0], 'not-in-rollout'] }).state
    expect(w1.map((id) => r.nodes[id].state)).toEqual(['active', 'pending', 'pending'])
    expect(reconcile(r, fleet.lookup, now(), { only: [w1[0]] }).changed).toBe(false)
    r = reconcile(r, fleet.lookup, now(), { only: [w1[1]] }).state
    r = reconcile(r, fleet.lookup, now(), { only: [w1[2]] }).state
    // the wave-2 nodes' reports are read as their wave starts: already active, so it completes
    expect(r.status).toBe('completed')
    expect(w2.every((id) => r.nodes[id].state === 'active')).toBe(true)
  })

  it('moves through waves at once when nodes already run the image', () => {
    const fleet = new Fleet().set(NODES, activeV2)
    const r = reconcile(rollout('1,3,100%'), fleet.lookup, now()).state
    expect(r.status).toBe('completed')
    expect(r.waves.every((w) => w.settledAt !== undefined)).toBe(true)
  })

  it('advances past failures within the threshold and halts when they pass it, with reasons', () => {
    let r = rollout('50%,100%', '1')
    const [w1, w2] = [r.waves[0].nodeIds, r.waves[1].nodeIds]
    const fleet = new Fleet()
      .set(w1.slice(0, 2), activeV2)
      .set([w1[2]], { phase: 'failed', manifestCid: V2.manifestCid, error: 'EACCES: output directory not writable' })
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('running')
    expect(r.currentWave).toBe(1)
    expect(r.nodes[w1[2]]).toMatchObject({ state: 'failed', reason: 'EACCES: output directory not writable' })

    fleet.set([w2[0]], { phase: 'failed', manifestCid: V2.manifestCid })
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('halted')
    expect(r.haltReason).toMatch(/^2 of 6 nodes started so far failed, more than max failures 1 allows/)
    expect(r.haltReason).toContain(`${w1[2]}: EACCES: output directory not writable`)
    expect(r.haltReason).toContain(`${w2[0]}: the agent reported a failure without a reason`)
    expect(summarizeRollout(r).failures).toHaveLength(2)
    expect(r.events.filter((e) => e.type === 'node-failed')).toHaveLength(2)

    // halted: even if every other node activates, the rollout does not complete
    fleet.set(w2.slice(1), activeV2)
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('halted')
    expect(r.nodes[w2[1]].state).toBe('active')

    // resume with the failures still there: halts again at once
    r = reconcile(resumeRollout(r, now()), fleet.lookup, now()).state
    expect(r.status).toBe('halted')

    // the agents recover: resume now completes
    fleet.set([w1[2], w2[0]], activeV2)
    r = reconcile(resumeRollout(r, now()), fleet.lookup, now()).state
    expect(r.status).toBe('completed')
  })

  it('halts in the first wave and never starts the second', () => {
    let r = rollout('50%,100%', '0')
    const w1 = r.waves[0].nodeIds
    const fleet = new Fleet().set(w1.slice(1), activeV2).set([w1[0]], { phase: 'failed', manifestCid: V2.manifestCid, error: 'disk full' })
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('halted')
    expect(r.currentWave).toBe(0)
    for (const id of r.waves[1].nodeIds) expect(resolveDesired([r], id)).toBeUndefined()
  })

  it('does not advance while paused, and does once resumed', () => {
    let r = pauseRollout(rollout(), now())
    const fleet = new Fleet().set(r.waves[0].nodeIds, activeV2)
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('paused')
    expect(r.currentWave).toBe(0)
    expect(r.nodes[r.waves[0].nodeIds[0]].state).toBe('active')
    r = reconcile(resumeRollout(r, now()), fleet.lookup, now()).state
    expect(r.currentWave).toBe(1)
  })

  it('keeps outcomes on record when a node moves on to something else', () => {
    let r = rollout()
    const id = r.waves[0].nodeIds[0]
    const fleet = new Fleet().set([id], activeV2)
    r = reconcile(r, fleet.lookup, now()).state
    fleet.set([id], { phase: 'downloading', manifestCid: 'cid-v3', activeManifestCid: V2.manifestCid })
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.nodes[id].state).toBe('active')
    fleet.set([id], { phase: 'idle' })
    expect(reconcile(r, fleet.lookup, now()).state.nodes[id].state).toBe('active')
  })

  it('tracks a rollback until the nodes run their previous image again', () => {
    let r = rollout('100%')
    const fleet = new Fleet().set(NODES, activeV2)
    r = reconcile(r, fleet.lookup, now()).state
    expect(r.status).toBe('completed')
    r = rollbackRollout(r, now())
    expect(resolveDesired([r], 'a1')).toEqual({ rolloutId: 'r-1', image: V1, rollback: true })
    r = reconcile(r, fleet.lookup, now()).state
    expect(summarizeRollout(r).counts.pending).toBe(6)
    fleet.set(NODES, { phase: 'active', manifestCid: V1.manifestCid, activeManifestCid: V1.manifestCid })
    r = reconcile(r, fleet.lookup, now()).state
    expect(summarizeRollout(r).counts.active).toBe(6)
    expect(r.status).toBe('rolled-back')
  })
})

describe('resolveDesired', () => {
  it('lets the newest rollout that reached a node decide', () => {
    const older = reconcile(rollout('100%'), new Fleet().set(NODES, activeV2).lookup, now()).state
    const v3: ImageRef = { name: 'img', version: '3', manifestCid: 'cid-v3' }
    const newer = startRollout(
      createRollout({
        id: 'r-2',
        seq: 3,
        image: v3,
        selector: {},
        waves: parseWaveSpec('50%,100%'),
        maxFailures: parseFailureThreshold('0'),
        candidates: NODES.map((id) => ({ id, labels: { site: id[0] }, from: V2 })),
        now: now(),
      }),
      now(),
    )
    const [reached, waiting] = [newer.waves[0].nodeIds[0], newer.waves[1].nodeIds[0]]
    expect(resolveDesired([newer, older], reached)?.image).toEqual(v3)
    expect(resolveDesired([older, newer], reached)?.rolloutId).toBe('r-2')
    expect(resolveDesired([older, newer], waiting)?.image).toEqual(V2)
    expect(resolveDesired([older, newer], 'nobody')).toBeUndefined()
  })
})
