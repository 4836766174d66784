/**
 * A download makes its newly written chunks durable (`datasync` of the image file, then the
 * bitfield into level) after this many chunks: about 32 MiB at the 256 KiB average. After a
 * crash at most this many chunks (plus those of one interval) are fetched again.
 */
export const DEFAULT_FLUSH_CHUNKS = 128

/** …or this long after the first chunk written since the last flush, whichever comes first. */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000

/**
 * LevelDB's block cache and write buffer (memtable), in bytes. The store keeps a few small records
 * per image (manifest, bitfield, state), rewritten in place: the library defaults (8 MiB cache,
 * 4 MiB memtable) would be resident memory an edge agent spends on nothing.
 */
export const DEFAULT_DB_CACHE_BYTES = 512 * 1024
export const DEFAULT_DB_WRITE_BUFFER_BYTES = 512 * 1024

/** Name of the level database directory inside a node's data directory. */
export const DB_DIR_NAME = 'db'

/** Suffix of the hidden partial file `partialPathFor` puts beside an output file. */
export const PARTIAL_FILE_SUFFIX = '.imgswarm-part'
