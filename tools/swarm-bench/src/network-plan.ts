import { InvalidInputError } from '@imgswarm/core'
import type { LinkCaps } from '@imgswarm/link-units'
import { DEFAULT_QUEUE_MS, MAX_AGENTS } from './constants.js'

/** What the test network is built from. */
export interface NetworkSpec {
  /** Prefix of every namespace name, e.g. `isbench-`. */
  prefix: string
  /** First two octets of the private /16, e.g. `10.77`. */
  subnet: string
  seed: LinkCaps
  agents: readonly LinkCaps[]
}

/** A host of the test network: a namespace with one `eth0` on the switch. */
export interface BenchNode {
  /** `seed`, `a01`, `a02`, … */
  name: string
  /** Its network namespace. */
  ns: string
  /** Its IPv4 address (a /16 on `eth0`). */
  ip: string
  /** The bridge port (in the switch namespace) its `eth0` is paired with. */
  switchPort: string
  caps: LinkCaps
}

export interface NetworkPlan {
  /** The namespace holding the bridge. */
  switchNs: string
  seed: BenchNode
  agents: BenchNode[]
  /** Commands (argv) that build the network, in order. */
  commands: string[][]
}

const BRIDGE = 'br0'

/** Address of agent `index` (0-based): 10.77.1.1 … 10.77.1.250, 10.77.2.1 …; the seed is 10.77.0.1. */
export function agentAddress(subnet: string, index: number): string {
  return `${subnet}.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`
}

/** Name of agent `index` (0-based), zero-padded so that names sort in order: a01 … a16. */
export function agentName(index: number, count: number): string {
  return `a${String(index + 1).padStart(Math.max(2, String(count).length), '0')}`
}

/**
 * Plans the network: a bridge in a switch namespace, and per node a namespace joined to it by a
 * veth pair. The uplink cap shapes the node's `eth0` egress; the downlink cap shapes the egress of
 * its bridge port, which is exactly the traffic delivered to the node. That caps the downlink as an
 * `ifb` ingress redirect would, with a real queue (not a policer's drops) and no extra devices.
 */
export function planNetwork(spec: NetworkSpec): NetworkPlan {
  validateSpec(spec)
  const switchNs = `${spec.prefix}sw`
  const node = (name: string, ip: string, caps: LinkCaps): BenchNode => ({
    name,
    ns: `${spec.prefix}${name}`,
    ip,
    switchPort: `sw-${name}`,
    caps,
  })
  const seed = node('seed', `${spec.subnet}.0.1`, spec.seed)
  const agents = spec.agents.map((caps, i) => node(agentName(i, spec.agents.length), agentAddress(spec.subnet, i), caps))

  const commands: string[][] = [
    ['ip', 'netns', 'add', switchNs],
    quietSysctls(switchNs),
    ['ip', '-n', switchNs, 'link', 'set', 'lo', 'up'],
    ['ip', '-n', switchNs, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'],
    ['ip', '-n', switchNs, 'link', 'set', BRIDGE, 'up'],
  ]
  for (const n of [seed, ...agents]) {
    commands.push(
      ['ip', 'netns', 'add', n.ns],
      quietSysctls(n.ns),
      ['ip', '-n', n.ns, 'link', 'set', 'lo', 'up'],
      ['ip', '-n', switchNs, 'link', 'add', n.switchPort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', n.ns],
      ['ip', '-n', switchNs, 'link', 'set', n.switchPort, 'master', BRIDGE],
      ['ip', '-n', switchNs, 'link', 'set', n.switchPort, 'up'],
      ['ip', '-n', n.ns, 'addr', 'add', `${n.ip}/16`, 'dev', 'eth0'],
      ['ip', '-n', n.ns, 'link', 'set', 'eth0', 'up'],
      ...shapeEgress(n.ns, 'eth0', n.caps.upBitsPerS),
      ...shapeEgress(switchNs, n.switchPort, n.caps.downBitsPerS),
    )
  }
  return { switchNs, seed, agents, commands }
}

/**
 * An htb class at `bitsPerS` (rate = ceil) as the root of `dev`'s egress, over a drop-tail queue
 * holding `DEFAULT_QUEUE_MS` of traffic. (This kernel offers only htb, tbf and the fifos: no fair
 * queueing, no ingress qdisc, hence no ifb redirect either.) Counting the queue in bytes, not
 * packets, keeps it honest with 64 KiB GSO segments.
 */
export function shapeEgress(ns: string, dev: string, bitsPerS: number, queueMs = DEFAULT_QUEUE_MS): string[][] {
  // At least 1 ms of traffic, and room for a 64 KiB GSO segment, so the timer never starves the link.
  const burst = Math.max(64 * 1024, Math.ceil(bitsPerS / 8 / 1000))
  const rate = `${Math.round(bitsPerS)}bit`
  const queueBytes = Math.max(2 * 64 * 1024, Math.round((bitsPerS / 8) * (queueMs / 1000)))
  return [
    ['tc', '-n', ns, 'qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'htb', 'default', '1'],
    ['tc', '-n', ns, 'class', 'add', 'dev', dev, 'parent', '1:', 'classid', '1:1', 'htb', 'rate', rate, 'ceil', rate,
      'burst', `${burst}b`, 'cburst', `${burst}b`, 'quantum', '15140'],
    ['tc', '-n', ns, 'qdisc', 'add', 'dev', dev, 'parent', '1:1', 'handle', '10:', 'bfifo', 'limit', String(queueBytes)],
  ]
}

// IPv6 off (no router solicitations or MLD chatter in the byte counters; every system speaks IPv4
// here) and no netfilter on bridged frames; both best effort, as either knob may be absent.
function quietSysctls(ns: string): string[] {
  const script =
    'for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done; ' +
    'for f in iptables ip6tables arptables; do echo 0 > /proc/sys/net/bridge/bridge-nf-call-$f; done; true'
  return ['ip', 'netns', 'exec', ns, 'sh', '-c', `{ ${script}; } 2>/dev/null`]
}

function validateSpec(spec: NetworkSpec): void {
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(spec.prefix)) {
    throw new InvalidInputError(`namespace prefix "${spec.prefix}" must be 1-20 of [a-z0-9-], starting with a letter`)
  }
  const octets = spec.subnet.split('.').map(Number)
  if (octets.length !== 2 || !octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255) || !isPrivate(octets)) {
    throw new InvalidInputError(`subnet "${spec.subnet}" must be the first two octets of a private /16, e.g. 10.77`)
  }
  if (spec.agents.length < 1 || spec.agents.length > MAX_AGENTS) {
    throw new InvalidInputError(`agent count ${spec.agents.length} must be between 1 and ${MAX_AGENTS}`)
  }
}

function isPrivate([a, b]: number[]): boolean {
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
}
