import { describe, expect, it } from '@jest/globals'
import { NoMatchingNodesError, RolloutTransitionError, WaveSpecError } from './errors.js'
import { parseFailureThreshold } from './failure-threshold.js'
import {
  abortRollout,
  createRollout,
  isFinished,
  pauseRollout,
  resumeRollout,
  rollbackRollout,
  startRollout,
} from './rollout-lifecycle.js'
import { parseSelector } from './selector.js'
import type { CandidateNode, ImageRef, RolloutState } from './types.js'
import { parseWaveSpec } from './wave-spec.js'

const T0 = '2026-11-01T10:00:00.000Z'
const V1: ImageRef = { name: 'win11-iot', version: '2026.10', manifestCid: 'bafy-v1' }
const V2: ImageRef = { name: 'win11-iot', version: '2026.11', manifestCid: 'bafy-v2' }

function candidates(): CandidateNode[] {
  return [
    ...['a1', 'a2', 'a3'].map((id) => ({ id, labels: { site: 'a', region: 'eu' }, from: V1 })),
    ...['b1', 'b2', 'b3'].map((id) => ({ id, labels: { site: 'b', region: 'eu' }, from: null })),
    { id: 'c1', labels: { site: 'c', region: 'us' }, from: V1 },
  ]
}

function plan(selector = 'region=eu', waves = '50%,100%'): RolloutState {
  return createRollout({
    id: 'r-1',
    seq: 1,
    image: V2,
    selector: parseSelector(selector),
    waves: parseWaveSpec(waves),
    maxFailures: parseFailureThreshold('1'),
    candidates: candidates(),
    now: T0,
  })
}

describe('createRollout', () => {
  it('includes the matching nodes only, in waves spread across sites', () => {
    const r = plan()
    expect(r.status).toBe('pending')
    expect(r.currentWave).toBe(-1)
    expect(Object.keys(r.nodes).sort()).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3'])
    expect(r.waves.map((w) => w.nodeIds.length)).toEqual([3, 3])
    const firstSites = new Set(r.waves[0].nodeIds.map((id) => id[0]))
    expect(firstSites).toEqual(new Set(['a', 'b']))
    expect(r.nodes.a1.from).toEqual(V1)
    expect(r.nodes.b1.from).toBeNull()
    expect(Object.values(r.nodes).every((n) => n.target === undefined)).toBe(true)
    expect(r.events[0].type).toBe('created')
    expect(r.events[0].message).toContain('6 nodes')
  })

  it('is plain JSON: a round trip through JSON changes nothing', () => {
    const r = startRollout(plan(), T0)
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })

  it('refuses a selector matching no node and waves that cannot cover the nodes', () => {
    expect(() => plan('site=nowhere')).toThrow(NoMatchingNodesError)
    expect(() => plan('site=nowhere')).toThrow(/matches none of the 7 enrolled nodes/)
    expect(() => plan('region=eu', '2,4')).toThrow(WaveSpecError)
  })
})

describe('operator transitions', () => {
  it('starts the first wave, telling its nodes to run the image', () => {
    const r = startRollout(plan(), T0)
    expect(r.status).toBe('running')
    expect(r.currentWave).toBe(0)
    for (const id of r.waves[0].nodeIds) expect(r.nodes[id].target).toEqual(V2)
    for (const id of r.waves[1].nodeIds) expect(r.nodes[id].target).toBeUndefined()
    expect(r.waves[0].startedAt).toBe(T0)
  })

  it('pauses, resumes and refuses what the status does not allow, without touching the input', () => {
    const pending = plan()
    expect(() => pauseRollout(pending, T0)).toThrow(RolloutTransitionError)
    expect(() => resumeRollout(pending, T0)).toThrow(/cannot resume rollout r-1: it is pending/)
    const running = startRollout(pending, T0)
    expect(pending.status).toBe('pending')
    const paused = pauseRollout(running, T0)
    expect(paused.status).toBe('paused')
    expect(running.status).toBe('running')
    expect(() => pauseRollout(paused, T0)).toThrow(RolloutTransitionError)
    expect(resumeRollout(paused, T0).status).toBe('running')
    expect(paused.events.map((e) => e.type)).toEqual(['created', 'started', 'wave-started', 'paused'])
  })

  it('aborts: nodes not yet active stay on their previous image, active ones keep the new one', () => {
    const running = startRollout(plan(), T0)
    const [first, second] = running.waves[0].nodeIds
    running.nodes[first].state = 'active'
    running.nodes[second].state = 'downloading'
    const aborted = abortRollout(running, T0)
    expect(aborted.status).toBe('aborted')
    expect(aborted.nodes[first].target).toEqual(V2)
    expect(aborted.nodes[second].target).toEqual(aborted.nodes[second].from)
    expect(isFinished('aborted')).toBe(true)
    expect(() => resumeRollout(aborted, T0)).toThrow(RolloutTransitionError)
  })

  it('rolls back every reached node to its previous image, flagged as a rollback', () => {
    const running = startRollout(plan(), T0)
    const rolled = rollbackRollout(running, T0)
    expect(rolled.status).toBe('rolled-back')
    for (const id of running.waves[0].nodeIds) {
      expect(rolled.nodes[id].target).toEqual(rolled.nodes[id].from)
      expect(rolled.nodes[id].rollback).toBe(true)
      expect(rolled.nodes[id].state).toBe('pending')
    }
    for (const id of running.waves[1].nodeIds) expect(rolled.nodes[id].target).toBeUndefined()
    expect(() => rollbackRollout(rolled, T0)).toThrow(/cannot roll back rollout r-1: it is rolled-back/)
    expect(() => rollbackRollout(plan(), T0)).toThrow(RolloutTransitionError)
  })
})
