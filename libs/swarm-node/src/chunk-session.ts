import { ProtocolError } from '@imgswarm/core'
import type { Connection } from '@libp2p/interface'
import { DEFAULT_GOODBYE_TIMEOUT_MS, type HelloMessage, type MessageChannel, type WireMessage } from '@imgswarm/wire'
import type { Logger } from 'pino'

/** What a session reports to the image swarm that owns it. */
export interface SessionOwner {
  onMessage(session: ChunkSession, msg: WireMessage): void
  onClose(session: ChunkSession, err?: Error): void
}

/**
 * One `/imgswarm/chunks/1.0.0` session with one peer for one image, after both Hellos were
 * exchanged. Reads messages in order and hands them to its owner; sends with backpressure.
 * Whatever the peer does, nothing escapes as an uncaught error: a protocol violation ends the
 * session and closes the connection.
 */
export class ChunkSession {
  readonly peer: string
  readonly remoteHello: HelloMessage
  /** Who opened the stream: decides which of two simultaneous sessions survives. */
  readonly initiator: 'local' | 'remote'
  private closed = false
  /** Why the peer ended the session, if it said goodbye. */
  goodbyeReason?: string

  constructor(
    private readonly channel: MessageChannel,
    readonly connection: Connection,
    remoteHello: HelloMessage,
    initiator: 'local' | 'remote',
    private readonly owner: SessionOwner,
    private readonly log: Logger,
  ) {
    this.peer = connection.remotePeer.toString()
    this.remoteHello = remoteHello
    this.initiator = initiator
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Starts the read loop; resolves when the session ends. */
  async run(): Promise<void> {
    let error: Error | undefined
    try {
      for await (const msg of this.channel) {
        if (this.closed) break
        if (msg.type === 'goodbye') {
          this.goodbyeReason = msg.reason
          this.log.debug({ peer: this.peer, reason: msg.reason }, 'peer said goodbye')
          // close our side too, so the stream ends instead of lingering half-open
          this.channel.close({ signal: AbortSignal.timeout(DEFAULT_GOODBYE_TIMEOUT_MS) }).catch(() => {})
          break
        }
        this.owner.onMessage(this, msg)
      }
    } catch (err) {
      error = err as Error
      if (this.closed) {
        // we ended the session ourselves
      } else if (err instanceof ProtocolError) {
        this.log.warn({ peer: this.peer, err: error.message }, 'peer broke the protocol; disconnecting')
        this.connection.abort(error)
      } else if (!this.closed) {
        this.log.debug({ peer: this.peer, err: error.message }, 'session ended')
      }
    } finally {
      this.finish(error)
    }
  }

  /** Sends a message; resolves once the transport can take more. Rejects if the session is gone. */
  async send(msg: WireMessage): Promise<void> {
    if (this.closed) throw new ProtocolError(`session with ${this.peer} is closed`)
    await this.channel.send(msg)
  }

  /** Sends without waiting; a failure ends the session instead of surfacing. */
  post(msg: WireMessage): void {
    if (this.closed) return
    this.channel.send(msg).catch((err: Error) => {
      this.log.debug({ peer: this.peer, err: err.message }, 'send failed; ending session')
      this.abort(err)
    })
  }

  /** Ends the session politely (a Goodbye, then close). */
  async close(reason: 'done' | 'shutting-down' | 'too-many-peers' | 'banned' = 'done'): Promise<void> {
    if (this.closed) return
    await this.channel.goodbye(reason)
    this.abort(new Error(`session closed: ${reason}`))
  }

  abort(err: Error): void {
    if (this.closed) return
    this.finish(err)
    this.channel.abort(err)
  }

  private finish(err?: Error): void {
    if (this.closed) return
    this.closed = true
    this.owner.onClose(this, err)
  }
}
