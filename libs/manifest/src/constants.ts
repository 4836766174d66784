/** Default cap on an encoded signed manifest (about 1.4 million chunks); override per call. */
export const DEFAULT_MAX_MANIFEST_BYTES = 64 * 1024 * 1024

/** Hard cap on an image name, in characters (names end up in paths, URLs and logs). */
export const MAX_NAME_LENGTH = 256

/** Hard cap on an image version, in characters. */
export const MAX_VERSION_LENGTH = 256

/** File name of the publisher's private key inside a data directory. */
export const PUBLISHER_KEY_FILE = 'publisher-key.pem'
