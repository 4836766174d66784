import { reader as createReader } from 'protons-runtime'
import { MalformedMessageError } from './errors.js'

/** Protobuf wire type of a length-delimited field (every envelope field is a message). */
const LENGTH_DELIMITED = 2

/** One envelope field: which message it is and its encoded body (a view into the frame). */
export interface EnvelopeField {
  field: number
  body: Uint8Array
}

/**
 * Checks that `frame` is an envelope holding exactly one message field and nothing else (protons
 * would accept trailing fields, repeated fields and stray bytes silently), and returns it.
 * `what` names the protocol in error messages.
 */
export function openEnvelope(frame: Uint8Array, what: string): EnvelopeField {
  if (frame.byteLength === 0) throw new MalformedMessageError(`empty ${what} frame`)
  const reader = createReader(frame)
  let tag: number
  let length: number
  try {
    tag = reader.uint32()
    length = reader.uint32()
  } catch {
    throw new MalformedMessageError(`${what} frame of ${frame.byteLength} bytes is too short for a message header`)
  }
  if ((tag & 7) !== LENGTH_DELIMITED) {
    throw new MalformedMessageError(`${what} frame starts with field ${tag >>> 3} of wire type ${tag & 7}, not a message`)
  }
  const end = reader.pos + length
  if (end > frame.byteLength) {
    throw new MalformedMessageError(
      `truncated ${what} frame: its message needs ${length} bytes, ${frame.byteLength - reader.pos} present`,
    )
  }
  if (end < frame.byteLength) {
    throw new MalformedMessageError(`${frame.byteLength - end} trailing bytes after the ${what} message`)
  }
  return { field: tag >>> 3, body: frame.subarray(reader.pos, end) }
}

/** A frame as one contiguous array: free when it already is one, one copy otherwise. */
export function contiguous(frame: Uint8Array | { subarray(): Uint8Array }): Uint8Array {
  return frame instanceof Uint8Array ? frame : frame.subarray()
}
