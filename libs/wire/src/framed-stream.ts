import { InvalidInputError, ProtocolError } from '@imgswarm/core'
import type { AbortOptions, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import * as lp from 'it-length-prefixed'
import type { Uint8ArrayList } from 'uint8arraylist'
import { DEFAULT_MIN_STREAM_READ_BUFFER_BYTES, DEFAULT_READ_HIGH_WATER_BYTES } from './constants.js'
import { FrameTooLargeError, MalformedMessageError, PeerStreamError } from './errors.js'

export interface FramedStreamInit {
  /** Largest frame accepted; a longer length prefix fails the stream before its bytes are buffered. */
  maxFrameBytes: number
  /** Largest frame this side may send (default `maxFrameBytes`). */
  maxSendFrameBytes?: number
  /** Received, unread bytes past which the stream is paused (default DEFAULT_READ_HIGH_WATER_BYTES). */
  readHighWaterBytes?: number
  /** The stream's own read buffer limit is raised to at least this (default DEFAULT_MIN_STREAM_READ_BUFFER_BYTES). */
  minStreamReadBufferBytes?: number
}

/**
 * Length-prefixed frames (it-length-prefixed, unsigned varint prefix) over a libp2p 3 stream,
 * with backpressure both ways and hard size limits.
 *
 * Reading: incoming bytes are queued and the stream is paused once `readHighWaterBytes` wait
 * unread (the muxer then stops granting window to the sender); frames are cut only as the reader
 * asks for them. Writing: `send` waits for the 'drain' event while the stream needs draining.
 * (It does not use `stream.onDrain()`: in @libp2p/utils 7.4 that promise is never renewed after
 * the first drain, so later calls resolve at once and the write buffer grows without bound.)
 *
 * A peer that breaks framing (oversized prefix, stream ending inside a frame) fails the stream:
 * it is aborted (the peer sees a reset) and every later read throws the same ProtocolError.
 */
export class FramedStream {
  readonly stream: Stream
  private readonly maxSendFrameBytes: number
  private readonly highWater: number
  private readonly received: Array<Uint8Array | Uint8ArrayList> = []
  private receivedBytes = 0
  private inputEnded = false
  private inputError?: Error
  private wakeSource?: () => void
  private readonly frames: AsyncGenerator<Uint8ArrayList, void, unknown>
  private pendingFrame?: Promise<IteratorResult<Uint8ArrayList, void>>
  private reading = false
  private failure?: Error

  constructor(stream: Stream, init: FramedStreamInit) {
    this.stream = stream
    this.maxSendFrameBytes = init.maxSendFrameBytes ?? init.maxFrameBytes
    this.highWater = init.readHighWaterBytes ?? DEFAULT_READ_HIGH_WATER_BYTES
    const minReadBuffer = init.minStreamReadBufferBytes ?? DEFAULT_MIN_STREAM_READ_BUFFER_BYTES
    if (stream.maxReadBufferLength < minReadBuffer) stream.maxReadBufferLength = minReadBuffer

    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('end', this.onEnd)
    stream.addEventListener('close', this.onClose)
    if (stream.status === 'aborted' || stream.status === 'reset') {
      this.inputError = new PeerStreamError(`${this.describe()} was already ${stream.status}`)
    } else if (stream.readableEnded) {
      this.inputEnded = true
    }
    this.frames = lp.decode(this.source(), { maxDataLength: init.maxFrameBytes })
  }

  /**
   * The next frame, or undefined once the peer closed its side cleanly between frames. A read
   * abandoned through `signal` loses nothing: the next read returns the frame it was waiting for.
   * One read at a time (a second concurrent read throws InvalidInputError).
   */
  async read(options: AbortOptions = {}): Promise<Uint8ArrayList | undefined> {
    if (this.failure !== undefined) throw this.failure
    if (this.reading) throw new InvalidInputError(`concurrent reads on ${this.describe()}: read one frame at a time`)
    options.signal?.throwIfAborted()
    this.pendingFrame ??= this.pull()
    this.reading = true
    try {
      const result = await raceSignal(this.pendingFrame, options.signal)
      this.pendingFrame = undefined
      return result.done === true ? undefined : result.value
    } finally {
      this.reading = false
    }
  }

  /** Sends one frame; resolves when the stream can take more (backpressure). */
  async send(body: Uint8Array | Uint8ArrayList, options: AbortOptions = {}): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (body.byteLength > this.maxSendFrameBytes) {
      throw new InvalidInputError(`frame of ${body.byteLength} bytes exceeds the limit of ${this.maxSendFrameBytes}`)
    }
    const frame = lp.encode.single(body, { maxDataLength: this.maxSendFrameBytes })
    await this.drained(options.signal)
    let canSendMore: boolean
    try {
      canSendMore = this.stream.send(frame)
    } catch (err) {
      throw new PeerStreamError(`cannot send on ${this.describe()}: ${messageOf(err)}`, { cause: err })
    }
    if (!canSendMore) await this.drained(options.signal)
  }

  /** Closes our writing side once queued frames are handed to the transport; reading goes on. */
  async closeWrite(options: AbortOptions = {}): Promise<void> {
    try {
      await this.stream.close(options)
    } catch (err) {
      options.signal?.throwIfAborted()
      // libp2p rejects with the stream's 'close' Event when the stream dies meanwhile
      throw new PeerStreamError(`${this.describe()} failed while closing: ${messageOf(err)}`, { cause: err })
    }
  }

  /**
   * Fails the stream: aborts it (the peer sees a reset) and makes every later read and send throw
   * `err`. Used for protocol violations found here or by the caller.
   */
  abort(err: Error): void {
    this.failure ??= err
    this.stream.abort(err)
  }

  private pull(): Promise<IteratorResult<Uint8ArrayList, void>> {
    const next = this.frames.next().catch((err: unknown) => {
      const failure = this.toFailure(err)
      if (failure instanceof ProtocolError) this.abort(failure)
      else this.failure ??= failure
      throw failure
    })
    // observed by read(); a reader that gave up through its signal must not cause an unhandled rejection
    next.catch(() => {})
    return next
  }

  private async *source(): AsyncGenerator<Uint8Array | Uint8ArrayList, void, unknown> {
    while (true) {
      const next = this.received.shift()
      if (next !== undefined) {
        this.receivedBytes -= next.byteLength
        if (this.receivedBytes <= this.highWater / 2 && this.stream.readStatus === 'paused') {
          tryQuietly(() => this.stream.resume())
        }
        yield next
        continue
      }
      if (this.inputError !== undefined) throw this.inputError
      if (this.inputEnded) return
      await new Promise<void>((resolve) => {
        this.wakeSource = resolve
      })
    }
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    this.received.push(evt.data)
    this.receivedBytes += evt.data.byteLength
    if (this.receivedBytes > this.highWater && this.stream.readStatus === 'readable') {
      tryQuietly(() => this.stream.pause())
    }
    this.wake()
  }

  private readonly onEnd = (): void => {
    // abort() and a remote reset emit 'end' just before 'close' with the error: wait for that
    if (this.stream.status === 'aborted' || this.stream.status === 'reset') return
    this.inputEnded = true
    this.wake()
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    if (evt.error !== undefined) {
      const how = this.stream.status === 'reset' ? 'reset by the peer' : 'aborted'
      this.inputError ??=
        this.failure ?? new PeerStreamError(`${this.describe()} was ${how}: ${evt.error.message}`, { cause: evt.error })
    } else if (this.stream.readBufferLength === 0) {
      this.inputEnded = true
    }
    // else: bytes still wait in the paused stream; they arrive when we resume, then 'end'
    this.wake()
  }

  private wake(): void {
    const wake = this.wakeSource
    this.wakeSource = undefined
    wake?.()
  }

  private toFailure(err: unknown): Error {
    if (this.failure !== undefined) return this.failure
    if (err instanceof Error && !(err instanceof ProtocolError) && !(err instanceof PeerStreamError)) {
      switch (err.name) {
        case 'InvalidDataLengthError':
          return new FrameTooLargeError(`peer announced a frame over the limit on ${this.describe()}`, { cause: err })
        case 'InvalidDataLengthLengthError':
        case 'InvalidMessageLengthError':
          return new MalformedMessageError(`peer sent an invalid frame length on ${this.describe()}`, { cause: err })
        case 'UnexpectedEOFError':
          return new MalformedMessageError(`${this.describe()} ended inside a frame`, { cause: err })
      }
    }
    return err instanceof Error ? err : new PeerStreamError(String(err))
  }

  private async drained(signal: AbortSignal | undefined): Promise<void> {
    const stream = this.stream
    while (stream.writableNeedsDrain) {
      if (stream.writeStatus !== 'writable') throw new PeerStreamError(`${this.describe()} is ${stream.writeStatus}`)
      await new Promise<void>((resolve, reject) => {
        const cleanup = (): void => {
          stream.removeEventListener('drain', onDrain)
          stream.removeEventListener('close', onClose)
          signal?.removeEventListener('abort', onAbort)
        }
        const onDrain = (): void => {
          cleanup()
          resolve()
        }
        const onClose = (evt: StreamCloseEvent): void => {
          cleanup()
          const why = evt.error !== undefined ? `: ${evt.error.message}` : ''
          reject(this.failure ?? new PeerStreamError(`${this.describe()} closed while sending${why}`, { cause: evt.error }))
        }
        const onAbort = (): void => {
          cleanup()
          reject(signal?.reason)
        }
        if (signal?.aborted === true) {
          onAbort()
          return
        }
        stream.addEventListener('drain', onDrain)
        stream.addEventListener('close', onClose)
        signal?.addEventListener('abort', onAbort)
      })
    }
  }

  private describe(): string {
    return `stream ${this.stream.protocol || this.stream.id} (${this.stream.direction})`
  }
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason once it aborts. */
async function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  signal.throwIfAborted()
  let onAbort!: () => void
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

function tryQuietly(fn: () => void): void {
  try {
    fn()
  } catch {
    // the stream closed meanwhile; its 'close' event tells the reader
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  const inner = (err as { error?: unknown })?.error
  if (inner instanceof Error) return inner.message
  return String(err)
}
