/**
 * A download makes its newly written chunks durable (`datasync` of the image file, then the
 * bitfield into level) after this many chunks: about 32 MiB at the 256 KiB average. After a
 * crash at most this many chunks (plus those of one interval) are fetched again.
 */
export const DEFAULT_FLUSH_CHUNKS = 128

/** …or this long after the first chunk written since the last flush, whichever comes first. */
export const DEFAULT_FLUSH_INTERVAL_MS = 1000

/** Name of the level database directory inside a node's data directory. */
export const DB_DIR_NAME = 'db'

/** Suffix of the hidden partial file `partialPathFor` puts beside an output file. */
export const PARTIAL_FILE_SUFFIX = '.imgswarm-part'
