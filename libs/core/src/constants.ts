/** Hard upper bound on one chunk's length, everywhere: manifests naming larger chunks are refused. */
export const MAX_CHUNK_SIZE = 4 * 1024 * 1024

/** Hard upper bound on the number of chunks in one manifest (about 1 PiB at the 256 KiB average). */
export const MAX_CHUNKS_PER_MANIFEST = 4_000_000
