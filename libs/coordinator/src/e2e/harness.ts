// Starts a real coordinator over HTTP (127.0.0.1, port 0, a real level dir) and simulated agents
// that talk to it through the real client.
import {
  CoordinatorClient,
  type AgentState,
  type HeartbeatRequest,
  type HeartbeatResponse,
} from '@imgswarm/coordinator-client'
import { startCoordinator, type RunningCoordinator, type StartCoordinatorOptions } from '../app/start-coordinator.js'
import { ADMIN_TOKEN, ENROLMENT_TOKEN, publisher } from '../testing/fixtures.js'

export async function startTestCoordinator(dataDir: string, extra: Partial<StartCoordinatorOptions> = {}): Promise<RunningCoordinator> {
  return startCoordinator({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    adminToken: ADMIN_TOKEN,
    enrolmentToken: ENROLMENT_TOKEN,
    trustedPublishers: [publisher.publicKey],
    tickIntervalMs: 3_600_000,
    logger: false,
    ...extra,
  })
}

/** A stand-in for an edge agent: enrols, then heartbeats whatever state the test sets. */
export class SimulatedAgent {
  state: AgentState = 'idle'
  manifestCid?: string
  activeManifestCid?: string
  previousManifestCid?: string
  error?: string
  bytesDone = 0
  bytesTotal = 0
  rate = 0
  last?: HeartbeatResponse

  private constructor(
    public client: CoordinatorClient,
    readonly nodeId: string,
    readonly credential: string,
    readonly labels: Record<string, string>,
  ) {}

  static async enrol(url: string, labels: Record<string, string>, index: number): Promise<SimulatedAgent> {
    const enrolled = await new CoordinatorClient({ url, token: ENROLMENT_TOKEN }).enrol({
      name: `agent-${index}`,
      labels,
      peerId: `12D3KooWAgent${index}`,
      addrs: [`/ip4/127.0.0.1/tcp/${6000 + index}`],
    })
    return new SimulatedAgent(new CoordinatorClient({ url, token: enrolled.credential }), enrolled.nodeId, enrolled.credential, labels)
  }

  /** Points the agent at a restarted coordinator (same credential). */
  reconnect(url: string): void {
    this.client = new CoordinatorClient({ url, token: this.credential })
  }

  async beat(): Promise<HeartbeatResponse> {
    const body: HeartbeatRequest = {
      state: this.state,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      rate: this.rate,
      peers: 2,
      bytesFromSeed: Math.floor(this.bytesDone / 4),
      bytesFromPeers: this.bytesDone - Math.floor(this.bytesDone / 4),
      ...(this.manifestCid === undefined ? {} : { manifestCid: this.manifestCid }),
      ...(this.activeManifestCid === undefined ? {} : { activeManifestCid: this.activeManifestCid }),
      ...(this.previousManifestCid === undefined ? {} : { previousManifestCid: this.previousManifestCid }),
      ...(this.error === undefined ? {} : { error: this.error }),
    }
    this.last = await this.client.heartbeat(this.nodeId, body)
    return this.last
  }

  /** Starts fetching what the coordinator last asked for. */
  download(cid: string, done: number, total: number): void {
    Object.assign(this, { state: 'downloading', manifestCid: cid, bytesDone: done, bytesTotal: total, rate: 1_000_000 })
    delete this.error
  }

  fail(cid: string, reason: string): void {
    Object.assign(this, { state: 'failed', manifestCid: cid, error: reason, rate: 0 })
  }

  /** Activates `cid`, keeping the version it replaces for rollback. */
  activate(cid: string): void {
    if (this.activeManifestCid !== cid) this.previousManifestCid = this.activeManifestCid
    Object.assign(this, { state: 'active', manifestCid: cid, activeManifestCid: cid, bytesDone: this.bytesTotal, rate: 0 })
    delete this.error
  }
}

export async function beatAll(agents: readonly SimulatedAgent[]): Promise<void> {
  for (const a of agents) await a.beat()
}
