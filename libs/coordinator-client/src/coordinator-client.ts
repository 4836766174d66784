import type {
  ApiErrorBody,
  CreateRolloutRequest,
  EnrolRequest,
  EnrolResponse,
  HealthView,
  HeartbeatRequest,
  HeartbeatResponse,
  HintsResponse,
  ImageView,
  ManifestView,
  NodeView,
  RegisterImageRequest,
  RolloutSummaryView,
  RolloutView,
  StatusView,
  UpdateNodeRequest,
} from './api-types.js'
import { API_PREFIX, DEFAULT_REQUEST_TIMEOUT_MS } from './constants.js'
import { CoordinatorApiError, CoordinatorUnreachableError } from './errors.js'

export interface CoordinatorClientInit {
  /** Base URL of the coordinator, e.g. `http://127.0.0.1:7700`. */
  url: string
  /** Bearer token sent with every call: the admin token, the enrolment token, or a node credential. */
  token?: string
  /** Per-request time limit (default 10 s). */
  timeoutMs?: number
  /** Replaces the global fetch (tests, proxies). */
  fetch?: typeof fetch
}

export interface RequestOptions {
  signal?: AbortSignal
}

export type RolloutAction = 'pause' | 'resume' | 'abort' | 'rollback'

/**
 * Typed client for every coordinator endpoint. Errors: `CoordinatorApiError` for an error status
 * (with `status` and the server's message), `CoordinatorUnreachableError` when nothing answered.
 */
export class CoordinatorClient {
  readonly url: string
  private readonly init: CoordinatorClientInit

  constructor(init: CoordinatorClientInit) {
    let parsed: URL
    try {
      parsed = new URL(init.url)
    } catch {
      throw new TypeError(`coordinator URL ${JSON.stringify(init.url)} is not a valid URL`)
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`coordinator URL ${JSON.stringify(init.url)} must be http or https`)
    }
    this.url = parsed.href.replace(/\/+$/, '')
    this.init = init
  }

  /** The same client with another bearer token (e.g. the node credential after enrolment). */
  withToken(token: string): CoordinatorClient {
    return new CoordinatorClient({ ...this.init, token })
  }

  // images (admin; reads also with a node credential)
  registerImage(body: RegisterImageRequest, o?: RequestOptions): Promise<ImageView> {
    return this.request('POST', `${API_PREFIX}/images`, body, o)
  }
  listImages(o?: RequestOptions): Promise<ImageView[]> {
    return this.request('GET', `${API_PREFIX}/images`, undefined, o)
  }
  getImage(name: string, version: string, o?: RequestOptions): Promise<ImageView> {
    return this.request('GET', `${API_PREFIX}/images/${seg(name)}/${seg(version)}`, undefined, o)
  }
  getManifest(manifestCid: string, o?: RequestOptions): Promise<ManifestView> {
    return this.request('GET', `${API_PREFIX}/manifests/${seg(manifestCid)}`, undefined, o)
  }

  // nodes
  enrol(body: EnrolRequest, o?: RequestOptions): Promise<EnrolResponse> {
    return this.request('POST', `${API_PREFIX}/nodes/enrol`, body, o)
  }
  updateNode(nodeId: string, body: UpdateNodeRequest, o?: RequestOptions): Promise<NodeView> {
    return this.request('PUT', `${API_PREFIX}/nodes/${seg(nodeId)}`, body, o)
  }
  heartbeat(nodeId: string, body: HeartbeatRequest, o?: RequestOptions): Promise<HeartbeatResponse> {
    return this.request('POST', `${API_PREFIX}/nodes/${seg(nodeId)}/heartbeat`, body, o)
  }
  listNodes(o?: RequestOptions): Promise<NodeView[]> {
    return this.request('GET', `${API_PREFIX}/nodes`, undefined, o)
  }
  getNode(nodeId: string, o?: RequestOptions): Promise<NodeView> {
    return this.request('GET', `${API_PREFIX}/nodes/${seg(nodeId)}`, undefined, o)
  }

  // swarm
  hints(manifestCid: string, limit?: number, o?: RequestOptions): Promise<HintsResponse> {
    const q = new URLSearchParams({ manifest: manifestCid })
    if (limit !== undefined) q.set('limit', String(limit))
    return this.request('GET', `${API_PREFIX}/swarm/hints?${q}`, undefined, o)
  }

  // rollouts (admin)
  createRollout(body: CreateRolloutRequest, o?: RequestOptions): Promise<RolloutView> {
    return this.request('POST', `${API_PREFIX}/rollouts`, body, o)
  }
  listRollouts(o?: RequestOptions): Promise<RolloutSummaryView[]> {
    return this.request('GET', `${API_PREFIX}/rollouts`, undefined, o)
  }
  getRollout(id: string, o?: RequestOptions): Promise<RolloutView> {
    return this.request('GET', `${API_PREFIX}/rollouts/${seg(id)}`, undefined, o)
  }
  rolloutAction(id: string, action: RolloutAction, o?: RequestOptions): Promise<RolloutView> {
    return this.request('POST', `${API_PREFIX}/rollouts/${seg(id)}/${action}`, undefined, o)
  }
  pauseRollout(id: string, o?: RequestOptions): Promise<RolloutView> {
    return this.rolloutAction(id, 'pause', o)
  }
  resumeRollout(id: string, o?: RequestOptions): Promise<RolloutView> {
    return this.rolloutAction(id, 'resume', o)
  }
  abortRollout(id: string, o?: RequestOptions): Promise<RolloutView> {
    return this.rolloutAction(id, 'abort', o)
  }
  rollbackRollout(id: string, o?: RequestOptions): Promise<RolloutView> {
    return this.rolloutAction(id, 'rollback', o)
  }

  // fleet status (admin), health and metrics (public)
  status(o?: RequestOptions): Promise<StatusView> {
    return this.request('GET', `${API_PREFIX}/status`, undefined, o)
  }
  health(o?: RequestOptions): Promise<HealthView> {
    return this.request('GET', '/healthz', undefined, o)
  }
  async metrics(o?: RequestOptions): Promise<string> {
    const res = await this.send('GET', '/metrics', undefined, o)
    if (!res.ok) throw await apiError(res)
    return res.text()
  }

  private async request<T>(method: string, path: string, body: unknown, o?: RequestOptions): Promise<T> {
    const res = await this.send(method, path, body, o)
    if (!res.ok) throw await apiError(res)
    try {
      return (await res.json()) as T
    } catch (err) {
      throw new CoordinatorApiError(res.status, `${method} ${path}: the coordinator sent a body that is not JSON`, undefined, {
        cause: err,
      })
    }
  }

  private async send(method: string, path: string, body: unknown, o?: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.init.token !== undefined) headers.authorization = `Bearer ${this.init.token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    const timeout = AbortSignal.timeout(this.init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    const signal = o?.signal === undefined ? timeout : AbortSignal.any([o.signal, timeout])
    try {
      return await (this.init.fetch ?? fetch)(`${this.url}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      })
    } catch (err) {
      if (o?.signal?.aborted === true) throw err
      const why = timeout.aborted ? `no answer within ${this.init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS} ms` : describe(err)
      throw new CoordinatorUnreachableError(`${method} ${this.url}${path}: ${why}`, { cause: err })
    }
  }
}

async function apiError(res: Response): Promise<CoordinatorApiError> {
  const text = await res.text().catch(() => '')
  let body: Partial<ApiErrorBody> | undefined
  try {
    body = JSON.parse(text) as Partial<ApiErrorBody>
  } catch {
    body = undefined
  }
  const raw = body?.message
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' && raw !== '' ? raw : text.slice(0, 200) || res.statusText
  return new CoordinatorApiError(res.status, `${res.status} ${message}`, typeof body?.code === 'string' ? body.code : undefined)
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err)
}

function seg(value: string): string {
  return encodeURIComponent(value)
}
