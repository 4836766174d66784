import { chmod, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  CoordinatorApiError,
  CoordinatorUnreachableError,
  type CoordinatorClient,
  type EnrolResponse,
} from '@imgswarm/coordinator-client'
import type { Logger } from 'pino'
import { backoffDelay, sleep, systemClock, type AgentClock } from './clock.js'
import { DEFAULT_RETRY_JITTER, DEFAULT_RETRY_MAX_MS, DEFAULT_RETRY_MIN_MS } from './constants.js'
import { AgentConfigError, AgentStoppedError, EnrolmentError, EnrolmentFileError } from './errors.js'

/** What the agent keeps after enrolling once: who it is to the coordinator and whom to trust. */
export interface StoredEnrolment {
  format: 1
  /** The coordinator the node enrolled with. */
  coordinatorUrl: string
  nodeId: string
  /** Bearer token of this node (secret: the file is mode 0600). */
  credential: string
  enrolledAt: string
  /** Publisher keys the coordinator named last, so a restart can verify kept images while it is down. */
  trustedPublishers: string[]
}

/**
 * The enrolment file (`<data-dir>/agent-enrolment.json`), readable by its owner only and
 * replaced atomically (temporary file, fsync, rename, directory fsync), so a crash leaves the old
 * or the new content, never a torn one.
 */
export class EnrolmentFile {
  constructor(readonly path: string) {}

  async load(): Promise<StoredEnrolment | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw new EnrolmentFileError(`cannot read enrolment file ${this.path}: ${(err as Error).message}`, { cause: err })
    }
    const stored = parseEnrolment(text, this.path)
    // a copy restored with looser permissions gets its secret protected again
    const { mode } = await stat(this.path)
    if ((mode & 0o077) !== 0) await chmod(this.path, 0o600).catch(() => undefined)
    return stored
  }

  async save(enrolment: StoredEnrolment): Promise<void> {
    const tmp = `${this.path}.tmp`
    try {
      await unlink(tmp).catch(() => undefined) // a leftover would keep its old mode
      const fh = await open(tmp, 'wx', 0o600)
      try {
        await fh.writeFile(`${JSON.stringify(enrolment, null, 2)}\n`)
        await fh.datasync()
      } finally {
        await fh.close()
      }
      await rename(tmp, this.path)
      const dir = await open(dirname(this.path), 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined)
      throw new EnrolmentFileError(`cannot write enrolment file ${this.path}: ${(err as Error).message}`, { cause: err })
    }
  }
}

function parseEnrolment(text: string, path: string): StoredEnrolment {
  const bad = (why: string): never => {
    throw new EnrolmentFileError(`enrolment file ${path} is not valid (${why}): remove it to enrol this node again`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    return bad(`not JSON: ${(err as Error).message}`)
  }
  const v = value as Partial<StoredEnrolment> | null
  if (v === null || typeof v !== 'object') return bad('not an object')
  if (v.format !== 1) return bad(`unknown format ${JSON.stringify(v.format)}`)
  for (const field of ['coordinatorUrl', 'nodeId', 'credential', 'enrolledAt'] as const) {
    if (typeof v[field] !== 'string' || v[field] === '') bad(`${field} missing`)
  }
  if (!Array.isArray(v.trustedPublishers) || !v.trustedPublishers.every((k) => typeof k === 'string')) {
    bad('trustedPublishers must be a list of keys')
  }
  return v as StoredEnrolment
}

/** How this node presents itself to the coordinator. */
export interface NodeIdentity {
  name?: string
  labels: Record<string, string>
  peerId: string
  addrs: string[]
}

export interface EnsureEnrolledInit {
  file: EnrolmentFile
  coordinatorUrl: string
  /** Needed only for the first start; later starts use the stored credential. */
  enrolmentToken?: string
  identity: NodeIdentity
  /** A client for the coordinator carrying `token`. */
  client: (token: string) => CoordinatorClient
  retryMinMs?: number
  retryMaxMs?: number
  random?: () => number
  clock?: AgentClock
  /** Aborting ends the wait for an unreachable coordinator with `AgentStoppedError`. */
  signal?: AbortSignal
  log: Logger
}

/**
 * The node's enrolment: the stored one when there is one (a restart never enrols again), else a
 * new one from the coordinator, written to the file before it is used. While the coordinator
 * cannot be reached, retries with backoff; a refused token is final (`EnrolmentError`).
 */
export async function ensureEnrolled(init: EnsureEnrolledInit): Promise<{ enrolment: StoredEnrolment; enrolled: boolean }> {
  const stored = await init.file.load()
  if (stored !== undefined) {
    if (stored.coordinatorUrl !== init.coordinatorUrl) {
      init.log.warn(
        { enrolledWith: stored.coordinatorUrl, coordinator: init.coordinatorUrl, nodeId: stored.nodeId },
        'this node enrolled with another coordinator URL; using its stored credential',
      )
    }
    return { enrolment: stored, enrolled: false }
  }
  if (init.enrolmentToken === undefined || init.enrolmentToken === '') {
    throw new AgentConfigError(
      `this node is not enrolled yet (no ${init.file.path}) and no enrolment token was given: ` +
        'pass --token or set IMGSWARM_ENROLMENT_TOKEN',
    )
  }
  const client = init.client(init.enrolmentToken)
  const clock = init.clock ?? systemClock
  for (let failures = 1; ; failures++) {
    let response: EnrolResponse
    try {
      response = await client.enrol(
        { name: init.identity.name, labels: init.identity.labels, peerId: init.identity.peerId, addrs: init.identity.addrs },
        { signal: init.signal },
      )
    } catch (err) {
      if (init.signal?.aborted === true) throw new AgentStoppedError('stopped while enrolling')
      if (!isTransient(err)) {
        const status = err instanceof CoordinatorApiError ? err.status : undefined
        const hint = status === 401 || status === 403 ? ': check the enrolment token' : ''
        throw new EnrolmentError(`the coordinator at ${init.coordinatorUrl} refused to enrol this node (${(err as Error).message})${hint}`, {
          cause: err,
        })
      }
      const delay = backoffDelay(failures, {
        minMs: init.retryMinMs ?? DEFAULT_RETRY_MIN_MS,
        maxMs: init.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
        jitter: DEFAULT_RETRY_JITTER,
        random: init.random,
      })
      const log = failures === 1 ? init.log.warn.bind(init.log) : init.log.debug.bind(init.log)
      log({ err: (err as Error).message, retryInMs: delay }, 'cannot enrol yet: coordinator unreachable; retrying')
      await sleep(delay, init.signal, clock).catch(() => {
        throw new AgentStoppedError('stopped while waiting to enrol')
      })
      continue
    }
    const enrolment: StoredEnrolment = {
      format: 1,
      coordinatorUrl: init.coordinatorUrl,
      nodeId: response.nodeId,
      credential: response.credential,
      enrolledAt: new Date(clock.now()).toISOString(),
      trustedPublishers: response.trustedPublishers,
    }
    await init.file.save(enrolment)
    init.log.info({ nodeId: enrolment.nodeId }, 'enrolled with the coordinator')
    return { enrolment, enrolled: true }
  }
}

/** Worth retrying: nothing answered, or the coordinator is overloaded or restarting. */
export function isTransient(err: unknown): boolean {
  if (err instanceof CoordinatorUnreachableError) return true
  return err instanceof CoordinatorApiError && (err.status >= 500 || err.status === 429 || err.status === 408)
}
