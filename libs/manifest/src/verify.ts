import {
  ManifestSignatureError,
  UntrustedPublisherError,
  type ImageManifest,
  type SignedManifest,
} from '@imgswarm/core'
import type { CID } from 'multiformats/cid'
import { decodeSignedManifest, manifestCid, parseManifestCid, type DecodeManifestOptions } from './codec.js'
import { DEFAULT_MAX_MANIFEST_BYTES } from './constants.js'
import { ManifestCidMismatchError, ManifestFormatError, PublicKeyFormatError } from './errors.js'
import { parsePublicKey, publicKeyToString } from './public-key.js'
import { isSignatureValid } from './signature.js'
import { validateSignedManifest } from './validate.js'

/** Decides which publishers' manifests an agent accepts. */
export interface TrustPolicy {
  /** `publisher` is a well-formed `z6Mk…` key whose signature on `manifest` has verified. */
  isTrusted(publisher: string, manifest: ImageManifest): boolean
  /** Short text for error messages, e.g. the trusted keys. */
  describe(): string
}

/** A trust policy accepting exactly these `z6Mk…` keys (a malformed one is refused up front). */
export function trustKeys(keys: Iterable<string>): TrustPolicy {
  const trusted = new Set<string>()
  let i = 0
  for (const key of typeof keys === 'string' ? [keys] : keys) {
    i++
    try {
      trusted.add(publicKeyToString(parsePublicKey(key)))
    } catch (err) {
      throw new PublicKeyFormatError(`trusted publisher key #${i}: ${(err as Error).message}`, { cause: err })
    }
  }
  return {
    isTrusted: (publisher) => trusted.has(publisher),
    describe: () =>
      trusted.size === 0
        ? 'no publisher key is trusted'
        : `trusted: ${[...trusted].slice(0, 3).join(', ')}${trusted.size > 3 ? ` and ${trusted.size - 3} more` : ''}`,
  }
}

/** What the verification steps share. */
export interface ManifestCheckContext {
  trust: TrustPolicy
}

/**
 * One step of manifest verification: throws to refuse. The built-in steps check the signature,
 * then the publisher's trust; later steps (e.g. refusing a rollback to an older manifest of the
 * same image) are added through `VerifyManifestOptions.checks` and run after them.
 */
export type ManifestCheck = (m: SignedManifest, context: ManifestCheckContext) => void

/**
 * Signature first: a manifest whose bytes were altered (its publisher field included) is reported
 * as tampered, and an untrusted-publisher error then always means "authentic, but not a key you
 * trust", which tells the operator exactly what to change.
 */
export const checkSignature: ManifestCheck = (m) => {
  if (!isSignatureValid(m)) {
    throw new ManifestSignatureError(
      `manifest ${label(m.manifest)}: the signature does not verify against its publisher key ` +
        `${m.manifest.publisher}; the manifest was altered or signed with another key`,
    )
  }
}

export const checkTrustedPublisher: ManifestCheck = (m, { trust }) => {
  if (!trust.isTrusted(m.manifest.publisher, m.manifest)) {
    throw new UntrustedPublisherError(
      `manifest ${label(m.manifest)} is signed by ${m.manifest.publisher}, which is not a trusted publisher (${trust.describe()})`,
    )
  }
}

const BUILT_IN_CHECKS: readonly ManifestCheck[] = [checkSignature, checkTrustedPublisher]

export interface VerifyManifestOptions {
  /** Further checks, run in order after the signature and trust checks. */
  checks?: readonly ManifestCheck[]
}

/**
 * Accepts a signed manifest only if it is well-formed, its signature verifies, and its publisher
 * is trusted. Throws `ManifestFormatError`, `ManifestSignatureError` or `UntrustedPublisherError`.
 * `trusted` is a list of `z6Mk…` keys (a single string counts as one key) or a `TrustPolicy`.
 */
export function verifySignedManifest(
  m: SignedManifest,
  trusted: Iterable<string> | TrustPolicy,
  options: VerifyManifestOptions = {},
): void {
  const context: ManifestCheckContext = { trust: toTrustPolicy(trusted) }
  validateSignedManifest(m)
  for (const check of BUILT_IN_CHECKS) check(m, context)
  for (const check of options.checks ?? []) check(m, context)
}

export interface OpenManifestOptions extends DecodeManifestOptions, VerifyManifestOptions {
  /** The CID the manifest was asked for; the bytes must hash to it. */
  expectedCid?: CID | string
  trusted: Iterable<string> | TrustPolicy
}

/**
 * The one call for manifest bytes from an untrusted peer: checks they hash to `expectedCid`
 * (when given), decodes them strictly, verifies signature and trust, and returns the manifest.
 * `ManifestCidMismatchError` if the bytes are not the manifest asked for.
 */
export function openManifest(bytes: Uint8Array, options: OpenManifestOptions): SignedManifest {
  const trust = toTrustPolicy(options.trusted)
  if (options.expectedCid !== undefined) {
    const expected = parseManifestCid(options.expectedCid)
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_MANIFEST_BYTES
    if (!(bytes instanceof Uint8Array)) throw new ManifestFormatError('manifest bytes must be a Uint8Array')
    if (bytes.byteLength > maxBytes) {
      throw new ManifestFormatError(`signed manifest is ${bytes.byteLength} bytes, more than the limit of ${maxBytes}`)
    }
    const actual = manifestCid(bytes).toString()
    const wanted = expected.toString()
    if (actual !== wanted) {
      throw new ManifestCidMismatchError(
        `manifest bytes hash to ${actual}, not to the requested ${wanted}: they are not the manifest asked for`,
      )
    }
  }
  const m = decodeSignedManifest(bytes, options)
  verifySignedManifest(m, trust, options)
  return m
}

function toTrustPolicy(trusted: Iterable<string> | TrustPolicy): TrustPolicy {
  if (isTrustPolicy(trusted)) return trusted
  return trustKeys(trusted)
}

function isTrustPolicy(value: unknown): value is TrustPolicy {
  return typeof value === 'object' && value !== null && typeof (value as TrustPolicy).isTrusted === 'function'
}

function label(m: ImageManifest): string {
  return `${m.name}@${m.version}`
}
