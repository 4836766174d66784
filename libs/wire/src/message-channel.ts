import { InvalidInputError, ProtocolError } from '@imgswarm/core'
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import { DEFAULT_GOODBYE_TIMEOUT_MS } from './constants.js'
import { MalformedMessageError, UnexpectedMessageError } from './errors.js'
import { FramedStream } from './framed-stream.js'
import { maxChunkProtocolFrameBytes, wireLimits } from './limits.js'
import type { WireLimits } from './limits.js'
import { decodeMessage, encodeMessageParts } from './messages.js'
import type { GoodbyeReason, HelloMessage, WireMessage } from './messages.js'

export interface MessageChannelInit extends Partial<Omit<WireLimits, 'chunkCount'>> {
  /** The session's chunk count if already known; otherwise learnt from the Hello we send. */
  chunkCount?: number
  /** Received, unread bytes past which the stream is paused (see FramedStream). */
  readHighWaterBytes?: number
  /** The stream's own read buffer limit is raised to at least this (see FramedStream). */
  minStreamReadBufferBytes?: number
}

/**
 * One `/imgswarm/chunks/1.0.0` session over a libp2p stream: typed messages in and out, with the
 * framing limits, the message limits and the session order enforced.
 *
 * The first message each way is a Hello (or a Goodbye ending the session at once); a second
 * Hello, or anything else first, is an UnexpectedMessageError. Once the Hello we send fixes the
 * chunk count, every index the peer names is checked against it, as is the peer's Hello.
 *
 * Any ProtocolError while reading aborts the stream (the peer sees a reset) and is thrown to the
 * reader, who should disconnect and may ban the peer. Nothing escapes as an unhandled rejection.
 */
export class MessageChannel implements AsyncIterable<WireMessage> {
  readonly stream: Stream
  private readonly framed: FramedStream
  private readonly limits: WireLimits
  private localManifest?: CID
  private peerHello?: HelloMessage

  constructor(stream: Stream, init: MessageChannelInit = {}) {
    const { readHighWaterBytes, minStreamReadBufferBytes, ...limits } = init
    this.stream = stream
    this.limits = wireLimits(limits)
    this.framed = new FramedStream(stream, {
      maxFrameBytes: maxChunkProtocolFrameBytes(this.limits),
      readHighWaterBytes,
      minStreamReadBufferBytes,
    })
  }

  /** The session's chunk count, once known. */
  get chunkCount(): number | undefined {
    return this.limits.chunkCount
  }

  /** The Hello the peer sent, once read. */
  get remoteHello(): HelloMessage | undefined {
    return this.peerHello
  }

  /**
   * Sends one message; resolves once the stream can take more (so a caller looping over chunks
   * never queues more than about one frame beyond the muxer's window). Throws InvalidInputError
   * for a message that breaks the limits, PeerStreamError if the stream is gone.
   */
  async send(msg: WireMessage, options: AbortOptions = {}): Promise<void> {
    if (msg.type === 'hello') {
      if (this.localManifest !== undefined) throw new InvalidInputError('this side already sent its Hello')
      const remote = this.remoteHello
      if (remote !== undefined && !remote.manifest.equals(msg.manifest)) {
        throw new InvalidInputError(`our Hello names manifest ${msg.manifest}, the peer's names ${remote.manifest}`)
      }
      if (remote !== undefined && remote.bitfield.length !== msg.bitfield.length) {
        const err = new MalformedMessageError(
          `peer's Hello announces ${remote.bitfield.length} chunks, manifest ${msg.manifest} has ${msg.bitfield.length}`,
        )
        this.framed.abort(err)
        throw err
      }
    }
    const parts = encodeMessageParts(msg, this.limits)
    if (msg.type === 'hello') {
      this.localManifest = msg.manifest
      this.limits.chunkCount ??= msg.bitfield.length
    }
    await this.framed.send(parts, options)
  }

  /**
   * The next message, or undefined once the peer closed its side cleanly. Throws a ProtocolError
   * (after aborting the stream) for anything the peer should not have sent, PeerStreamError if
   * the stream was reset, and the signal's reason if `signal` aborts first (nothing is lost then:
   * the next read returns the message that was on its way).
   */
  async read(options: AbortOptions = {}): Promise<WireMessage | undefined> {
    const frame = await this.framed.read(options)
    if (frame === undefined) return undefined
    try {
      const msg = decodeMessage(frame, this.limits)
      this.checkOrder(msg)
      return msg
    } catch (err) {
      if (err instanceof ProtocolError) this.framed.abort(err)
      throw err
    }
  }

  /** Every message until the peer closes its side; each wait bounded by `signal`. */
  async *messages(options: AbortOptions = {}): AsyncGenerator<WireMessage, void, undefined> {
    while (true) {
      const msg = await this.read(options)
      if (msg === undefined) return
      yield msg
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WireMessage> {
    return this.messages()
  }

  /** Closes our side once everything queued is handed to the transport; the peer's side stays readable. */
  async close(options: AbortOptions = {}): Promise<void> {
    await this.framed.closeWrite(options)
  }

  /**
   * Ends the session politely: a Goodbye with `reason`, then our side closed. Never throws: if the
   * peer is gone or does not take them within `timeoutMs`, the stream is reset instead. Either way
   * the stream does not linger half-open on the connection.
   */
  async goodbye(reason: GoodbyeReason, timeoutMs = DEFAULT_GOODBYE_TIMEOUT_MS): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      await this.send({ type: 'goodbye', reason }, { signal })
      await this.close({ signal })
    } catch (err) {
      this.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  /** Ends the session at once: the stream is reset and later reads and sends throw `err`. */
  abort(err: Error): void {
    this.framed.abort(err)
  }

  private checkOrder(msg: WireMessage): void {
    if (msg.type === 'hello') {
      if (this.peerHello !== undefined) throw new UnexpectedMessageError('peer sent a second Hello')
      if (this.localManifest !== undefined && !this.localManifest.equals(msg.manifest)) {
        throw new UnexpectedMessageError(
          `peer's Hello names manifest ${msg.manifest}, ours names ${this.localManifest}`,
        )
      }
      this.peerHello = msg
      return
    }
    if (this.peerHello === undefined && msg.type !== 'goodbye') {
      throw new UnexpectedMessageError(`peer sent ${msg.type} before its Hello`)
    }
  }
}
