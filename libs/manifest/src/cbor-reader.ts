import { CID } from 'multiformats/cid'
import { ManifestFormatError } from './errors.js'

const MAJOR_UINT = 0
const MAJOR_BYTES = 2
const MAJOR_TEXT = 3
const MAJOR_ARRAY = 4
const MAJOR_MAP = 5
const MAJOR_TAG = 6

const MAJOR_NAMES = [
  'an unsigned integer',
  'a negative integer',
  'a byte string',
  'a text string',
  'an array',
  'a map',
  'a tag',
  'a float or simple value',
]

/** DAG-CBOR links: tag 42 around the CID bytes with a 0x00 prefix. */
const CID_TAG = 42

/** Longest CID accepted inside tag 42 (a CIDv1 with a sha2-256 digest is 36 bytes). */
const MAX_CID_BYTES = 128

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Reads the DAG-CBOR subset manifests use (unsigned integers, byte and text strings, arrays, maps,
 * CID links), one expected item at a time. The caller says what it expects next, so malformed or
 * hostile input fails at the first wrong byte with the field it was meant to be, and nothing is
 * allocated for a structure the schema does not have (a generic decoder would first build whatever
 * the bytes describe, e.g. millions of empty arrays from a few megabytes). Lengths must be definite
 * and integers minimal, as DAG-CBOR requires; the caller still re-encodes to prove canonical form.
 */
export class CborReader {
  readonly #bytes: Uint8Array
  #pos = 0

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
  }

  get position(): number {
    return this.#pos
  }

  uint(where: string): number {
    return this.#head(where, MAJOR_UINT)
  }

  text(where: string, maxBytes: number): string {
    const start = this.#pos
    const raw = this.#payload(where, MAJOR_TEXT, maxBytes)
    try {
      return utf8.decode(raw)
    } catch (err) {
      throw this.#error(where, 'text is not valid UTF-8', start, err)
    }
  }

  bytes(where: string, maxBytes: number): Uint8Array {
    return this.#payload(where, MAJOR_BYTES, maxBytes).slice()
  }

  /** Reads an array header; returns the number of items that follow. */
  array(where: string): number {
    return this.#head(where, MAJOR_ARRAY)
  }

  /** Reads a map header; returns the number of key/value pairs that follow. */
  map(where: string): number {
    return this.#head(where, MAJOR_MAP)
  }

  cid(where: string): CID {
    const start = this.#pos
    const tag = this.#head(where, MAJOR_TAG)
    if (tag !== CID_TAG) throw this.#error(where, `expected a CID (tag ${CID_TAG}), got tag ${tag}`, start)
    const bytesAt = this.#pos
    const raw = this.#payload(where, MAJOR_BYTES, MAX_CID_BYTES + 1)
    if (raw[0] !== 0) throw this.#error(where, 'CID bytes must start with 0x00', bytesAt)
    try {
      return CID.decode(raw.slice(1))
    } catch (err) {
      throw this.#error(where, `not a valid CID: ${(err as Error).message}`, bytesAt, err)
    }
  }

  /** The input must end here: trailing bytes would be a second item nobody signed. */
  end(where: string): void {
    if (this.#pos !== this.#bytes.byteLength) {
      throw this.#error(where, `${this.#bytes.byteLength - this.#pos} unexpected bytes after the end`, this.#pos)
    }
  }

  #payload(where: string, major: number, maxBytes: number): Uint8Array {
    const start = this.#pos
    const length = this.#head(where, major)
    if (length > maxBytes) {
      throw this.#error(where, `${MAJOR_NAMES[major].slice(2)} of ${length} bytes is longer than ${maxBytes}`, start)
    }
    if (this.#pos + length > this.#bytes.byteLength) throw this.#error(where, 'input ends inside the item', start)
    const payload = this.#bytes.subarray(this.#pos, this.#pos + length)
    this.#pos += length
    return payload
  }

  /** Reads an item head of the expected major type and returns its argument (value or length). */
  #head(where: string, major: number): number {
    const start = this.#pos
    const bytes = this.#bytes
    if (start >= bytes.byteLength) throw this.#error(where, `input ends where ${MAJOR_NAMES[major]} was expected`, start)
    const initial = bytes[start]
    const got = initial >> 5
    if (got !== major) throw this.#error(where, `expected ${MAJOR_NAMES[major]}, got ${MAJOR_NAMES[got]}`, start)
    const info = initial & 0x1f
    if (info < 24) {
      this.#pos = start + 1
      return info
    }
    if (info === 31) throw this.#error(where, 'indefinite lengths are not allowed in DAG-CBOR', start)
    if (info > 27) throw this.#error(where, `reserved additional information ${info}`, start)
    const size = 1 << (info - 24)
    if (start + 1 + size > bytes.byteLength) throw this.#error(where, 'input ends inside an item head', start)
    const view = new DataView(bytes.buffer, bytes.byteOffset + start + 1, size)
    let value: number
    let minimum: number
    if (size === 1) {
      value = view.getUint8(0)
      minimum = 24
    } else if (size === 2) {
      value = view.getUint16(0)
      minimum = 0x100
    } else if (size === 4) {
      value = view.getUint32(0)
      minimum = 0x10000
    } else {
      const high = view.getUint32(0)
      if (high > 0x1fffff) throw this.#error(where, 'integer is larger than 2^53 - 1', start)
      value = high * 0x1_0000_0000 + view.getUint32(4)
      minimum = 0x1_0000_0000
    }
    if (value < minimum) throw this.#error(where, `integer ${value} is not in its shortest encoding`, start)
    this.#pos = start + 1 + size
    return value
  }

  #error(where: string, message: string, at: number, cause?: unknown): ManifestFormatError {
    return new ManifestFormatError(`${where}: ${message} (at byte ${at})`, cause === undefined ? undefined : { cause })
  }
}
