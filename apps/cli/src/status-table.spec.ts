import { describe, expect, it } from '@jest/globals'
import type { RolloutNodeView, RolloutView, StatusView } from '@imgswarm/coordinator-client'
import { formatCounts, formatTable, isSettled, renderOverview, renderRollout, succeeded } from './status-table.js'

const MiB = 1024 * 1024
const counts = (c: Partial<Record<'pending' | 'downloading' | 'verifying' | 'active' | 'failed', number>>) => ({
  pending: 0,
  downloading: 0,
  verifying: 0,
  active: 0,
  failed: 0,
  ...c,
})

function node(id: string, wave: number, state: RolloutNodeView['state'], more: Partial<RolloutNodeView> = {}): RolloutNodeView {
  return {
    nodeId: id,
    name: `host-${id.slice(-1)}`,
    wave,
    state,
    labels: { site: wave === 0 ? 'plant-1' : 'plant-2' },
    target: { name: 'win11-iot', version: '2026.11', manifestCid: 'bafyimage' },
    from: null,
    rollback: false,
    stale: false,
    bytesDone: 0,
    bytesTotal: 0,
    rate: 0,
    etaSeconds: null,
    peers: 0,
    bytesFromSeed: 0,
    bytesFromPeers: 0,
    ...more,
  }
}

function view(more: Partial<RolloutView> = {}): RolloutView {
  return {
    id: 'r-7',
    image: { name: 'win11-iot', version: '2026.11', manifestCid: 'bafyimage' },
    selector: 'site=plant-1',
    waveSpec: '50%,100%',
    maxFailures: '0',
    status: 'running',
    currentWave: 0,
    createdAt: '2026-11-23T10:00:00.000Z',
    updatedAt: '2026-11-23T10:00:05.000Z',
    total: 3,
    counts: counts({ downloading: 1, active: 1, pending: 1 }),
    waves: [
      { index: 0, size: 2, status: 'in-progress', counts: counts({ downloading: 1, active: 1 }), nodeIds: ['node-a', 'node-b'] },
      { index: 1, size: 1, status: 'waiting', counts: counts({ pending: 1 }), nodeIds: ['node-c'] },
    ],
    nodes: [
      node('node-b', 0, 'downloading', { bytesDone: 16 * MiB, bytesTotal: 64 * MiB, rate: 8 * MiB, etaSeconds: 6, peers: 3, bytesFromSeed: 4 * MiB, bytesFromPeers: 12 * MiB }),
      node('node-a', 0, 'active', { bytesDone: 64 * MiB, bytesTotal: 64 * MiB, bytesFromSeed: 64 * MiB }),
      node('node-c', 1, 'pending', { target: undefined }),
    ],
    failures: [],
    bytesDone: 80 * MiB,
    bytesTotal: 128 * MiB,
    events: [{ at: '2026-11-23T10:00:01.000Z', type: 'wave-started', message: 'wave 1 of 2 started: 2 nodes', wave: 0 }],
    ...more,
  }
}

describe('status table', () => {
  it('lays out columns to the widest cell, numbers right-aligned', () => {
    expect(formatTable(['A', 'NUM'], [['long cell', '1'], ['x', '1234']], new Set([1]))).toBe(
      [`A${' '.repeat(11)}NUM`, `long cell${' '.repeat(5)}1`, `x${' '.repeat(10)}1234`].join('\n'),
    )
  })

  it('renders a rollout per wave and per node: state, bytes, rate, ETA, peers, seed vs peers', () => {
    const text = renderRollout(view())
    expect(text).toContain('rollout r-7: win11-iot@2026.11 (bafyimage)')
    expect(text).toContain('status RUNNING 62%  selector site=plant-1  waves 50%,100%  max failures 0  nodes 3 (active 1, downloading 1, pending 1)')
    expect(text).toMatch(/1\/2\s+2\s+in-progress\s+active 1, downloading 1/)
    expect(text).toMatch(/2\/2\s+1\s+waiting\s+pending 1/)
    const rows = text.split('\n').filter((l) => l.startsWith('node-'))
    // wave order, then name; the active node shows its size, the fetching one its progress
    expect(rows[0]).toMatch(/^node-a host-a\s+plant-1\s+1\s+active\s+64\.0 MiB\s+-\s+-\s+0\s+64\.0 MiB\s+0 B$/)
    expect(rows[1]).toMatch(/^node-b host-b\s+plant-1\s+1\s+downloading\s+25% of 64\.0 MiB\s+8\.0 MiB\/s\s+6s\s+3\s+4\.0 MiB\s+12\.0 MiB$/)
    expect(rows[2]).toMatch(/^node-c host-c\s+plant-2\s+2\s+pending\s+-/)
    expect(text).toContain('10:00:01 wave 1 of 2 started: 2 nodes')
  })

  it('shows a halt with its reason and every failure', () => {
    const halted = view({
      status: 'halted',
      haltReason: '1 failure, more than the 0 tolerated',
      nodes: [node('node-a', 0, 'failed', { reason: 'ENOTDIR: not a directory, mkdir images/win11-iot' }), node('node-c', 1, 'pending', { stale: true })],
      failures: [{ nodeId: 'node-a', wave: 0, reason: 'ENOTDIR: not a directory, mkdir images/win11-iot' }],
    })
    const text = renderRollout(halted)
    expect(text).toContain('status HALTED')
    expect(text).toContain('halted: 1 failure, more than the 0 tolerated')
    expect(text).toMatch(/node-a host-a .*failed .*ENOTDIR: not a directory, mkdir images\/win11-iot/)
    expect(text).toContain('pending (stale)')
    expect(text).toContain('failures:\n  wave 1 node-a: ENOTDIR: not a directory, mkdir images/win11-iot')
  })

  it('knows when a rollout has settled and whether it succeeded', () => {
    expect(isSettled(view())).toBe(false)
    expect(isSettled(view({ status: 'completed' }))).toBe(true)
    expect(succeeded(view({ status: 'completed' }))).toBe(true)
    expect([isSettled(view({ status: 'halted' })), succeeded(view({ status: 'halted' }))]).toEqual([true, false])
    expect(isSettled(view({ status: 'paused' }))).toBe(false)
    const returning = view({ status: 'rolled-back', nodes: [node('node-a', 0, 'downloading'), node('node-c', 1, 'pending', { target: undefined })] })
    expect(isSettled(returning)).toBe(false)
    const back = view({ status: 'rolled-back', nodes: [node('node-a', 0, 'active'), node('node-c', 1, 'pending', { target: undefined })] })
    expect([isSettled(back), succeeded(back)]).toEqual([true, true])
  })

  it('summarises counts and the fleet overview', () => {
    expect(formatCounts(counts({}))).toBe('no nodes')
    expect(formatCounts(counts({ failed: 2, active: 3 }))).toBe('active 3, failed 2')
    const status: StatusView = {
      nodes: { total: 5, stale: 1, byState: { idle: 1, downloading: 0, verifying: 0, active: 4, failed: 0, unknown: 0 } },
      rollouts: { total: 1, byStatus: { pending: 0, running: 1, paused: 0, halted: 0, completed: 0, aborted: 0, 'rolled-back': 0 } },
      images: [{ name: 'win11-iot', version: '2026.11', manifestCid: 'bafyimage', active: 4, inProgress: 0, failed: 0, desired: 5 }],
    }
    const text = renderOverview(status, [view()])
    expect(text).toContain('nodes 5 (1 stale): idle 1, active 4')
    expect(text).toMatch(/r-7\s+win11-iot@2026\.11\s+site=plant-1\s+50%,100%\s+running\s+1\s+3\s+active 1, downloading 1, pending 1/)
    expect(text).toMatch(/win11-iot@2026\.11\s+bafyimage\s+4\s+0\s+0\s+5/)
    expect(renderOverview({ ...status, images: [] }, [])).toContain('no rollouts')
  })
})
