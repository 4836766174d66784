/**
 * A chunk's bytes as they arrived, in order: a frame read from the transport is a list of the
 * buffers the muxer delivered, and gluing them into one array would copy every byte of every
 * image once more. `Uint8ArrayList` (package uint8arraylist) is one.
 */
export interface ChunkPieces extends Iterable<Uint8Array> {
  readonly byteLength: number
}

/** A chunk's bytes: one array, or the pieces they arrived in (hashed and written as they are). */
export type ChunkBytes = Uint8Array | ChunkPieces

/** The pieces of `bytes`, in order (one piece for an array). */
export function chunkPieces(bytes: ChunkBytes): Iterable<Uint8Array> {
  return bytes instanceof Uint8Array ? [bytes] : bytes
}

/** `bytes` as one array: free for an array or a single piece, one copy otherwise. */
export function chunkArray(bytes: ChunkBytes): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes
  const pieces = [...bytes]
  if (pieces.length === 1) return pieces[0]
  const out = new Uint8Array(bytes.byteLength)
  let at = 0
  for (const piece of pieces) {
    out.set(piece, at)
    at += piece.byteLength
  }
  return out
}
