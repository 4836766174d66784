import { readlink, rename, stat, symlink, unlink, open } from 'node:fs/promises'
import { join, relative, resolve, sep } from 'node:path'
import { InvalidInputError } from '@imgswarm/core'
import type { MetadataSublevel } from '@imgswarm/chunk-store'
import { pino, type Logger } from 'pino'
import { CURRENT_LINK, IMAGES_DIR, PREVIOUS_LINK, TMP_LINK_SUFFIX } from './constants.js'
import { ActivationError, ImageNotKeptError } from './errors.js'

/** A complete, verified image version kept on this node. */
export interface KeptImage {
  manifestCid: string
  name: string
  version: string
  /** The image file, relative to the data dir: `images/<name>/<version>-<cid8>.img`. */
  file: string
  size: number
  installedAt: string
}

/** What is active and what is kept for rollback. */
export interface ActivationPointers {
  current?: KeptImage
  previous?: KeptImage
}

/** One switch of the `current` link, as recorded in the history. */
export interface ActivationEvent {
  at: string
  kind: 'activate' | 'rollback'
  manifestCid: string
  name: string
  version: string
  /** The version it replaced (now `previous`). */
  replaced?: string
}

/** Points of a switch a test can stop at to play a crash there. */
export type ActivationStep = 'committed' | `link-made:${string}` | `link-renamed:${string}`

export interface ImageActivatorInit {
  /** The agent's data dir: images under `images/`, the `current` and `previous` links at its top. */
  dataDir: string
  /** Where pointers, kept images and history live (the chunk store's 'activation' sublevel). */
  db: MetadataSublevel<unknown>
  now?: () => number
  log?: Logger
  /** Called after each step of a switch; throwing there plays a crash at that point (tests). */
  onStep?: (step: ActivationStep) => void | Promise<void>
}

interface StoredPointers {
  current?: string
  previous?: string
}

const POINTERS_KEY = 'pointers'
const IMAGE_PREFIX = 'image/'
const EVENT_PREFIX = 'event/'
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

/** Wraps what an `onStep` hook threw: a played crash, after which nothing may be tidied up. */
class PlayedCrash extends Error {
  constructor(override readonly cause: unknown) {
    super('crash played by a test hook')
  }
}

function toStored(p: ActivationPointers): StoredPointers {
  return {
    ...(p.current === undefined ? {} : { current: p.current.manifestCid }),
    ...(p.previous === undefined ? {} : { previous: p.previous.manifestCid }),
  }
}

/**
 * Activates image versions atomically and keeps the one before for rollback.
 *
 * Layout: `<data-dir>/images/<name>/<version>-<cid8>.img` files, and two symlinks at the top of
 * the data dir, `current` (what consumers open) and `previous` (the rollback target), each
 * pointing at an image file by a relative path.
 *
 * A switch is committed in level first (pointers and a history event in one synced batch), then
 * each link is replaced atomically: a `<link>.tmp` symlink is made and renamed over the link.
 * After a crash, `open()` removes half-made `.tmp` links and re-applies the committed pointers, so
 * the links show either the old state (crash before the commit) or the new one (after it), never
 * a mix. A rollback is a switch back to `previous`: only links change, image bytes are not touched.
 */
export class ImageActivator {
  readonly dataDir: string
  private readonly db: MetadataSublevel<unknown>
  private readonly now: () => number
  private readonly log: Logger
  private readonly onStep?: (step: ActivationStep) => void | Promise<void>
  private pointers: ActivationPointers = {}
  private eventSeq = 0

  private constructor(init: ImageActivatorInit) {
    this.dataDir = resolve(init.dataDir)
    this.db = init.db
    this.now = init.now ?? Date.now
    this.log = init.log ?? pino({ level: 'silent' })
    this.onStep = init.onStep
  }

  /** Opens the activator on a data dir, finishing or undoing a switch a crash interrupted. */
  static async open(init: ImageActivatorInit): Promise<ImageActivator> {
    const activator = new ImageActivator(init)
    await activator.recover()
    return activator
  }

  get current(): KeptImage | undefined {
    return this.pointers.current
  }

  get previous(): KeptImage | undefined {
    return this.pointers.previous
  }

  /** Absolute path of the `current` link. */
  get currentLink(): string {
    return join(this.dataDir, CURRENT_LINK)
  }

  /** Absolute path of the `previous` link. */
  get previousLink(): string {
    return join(this.dataDir, PREVIOUS_LINK)
  }

  /** Where an image version's file goes: `<data-dir>/images/<name>/<version>-<cid8>.img`. */
  pathFor(image: { name: string; version: string; manifestCid: string }): string {
    return join(this.dataDir, this.fileFor(image))
  }

  /**
   * Records that the verified image `manifestCid` is complete at `path` (inside the images dir),
   * so it can be activated, and reactivated later without a download.
   */
  async install(image: { manifestCid: string; name: string; version: string; path: string; size: number }): Promise<KeptImage> {
    const file = relative(this.dataDir, resolve(image.path))
    if (file.startsWith('..') || !file.startsWith(`${IMAGES_DIR}${sep}`)) {
      throw new InvalidInputError(`image file ${image.path} must be inside ${join(this.dataDir, IMAGES_DIR)}`)
    }
    const kept: KeptImage = {
      manifestCid: image.manifestCid,
      name: image.name,
      version: image.version,
      file,
      size: image.size,
      installedAt: new Date(this.now()).toISOString(),
    }
    await this.write(`recording image ${image.manifestCid}`, [{ type: 'put', key: IMAGE_PREFIX + image.manifestCid, value: kept }])
    return kept
  }

  /** The kept image `manifestCid` if its file is still there with its size; else undefined. */
  async kept(manifestCid: string): Promise<KeptImage | undefined> {
    const record = await this.record(manifestCid)
    if (record === undefined) return undefined
    return (await this.fileIntact(record)) ? record : undefined
  }

  /** Every image recorded as kept, whether or not its file is still there. */
  async keptImages(): Promise<KeptImage[]> {
    return this.read('listing kept images', () =>
      this.db.values({ gte: IMAGE_PREFIX, lt: `${IMAGE_PREFIX}\uffff` }).all(),
    ) as Promise<KeptImage[]>
  }

  /**
   * Makes the kept image `manifestCid` the current one; what was current becomes `previous`.
   * Nothing happens when it is current already. `kind` only labels the history event.
   */
  async activate(manifestCid: string, kind: ActivationEvent['kind'] = 'activate'): Promise<ActivationPointers> {
    if (this.pointers.current?.manifestCid === manifestCid) {
      await this.applyLinks(this.pointers) // repairs links a failed switch may have left behind
      return { ...this.pointers }
    }
    const image = await this.kept(manifestCid)
    if (image === undefined) {
      throw new ImageNotKeptError(`image ${manifestCid} is not kept on this node (no complete, verified file): it must be fetched first`)
    }
    const replaced = this.pointers.current
    const next: ActivationPointers = { current: image, previous: replaced }
    const event: ActivationEvent = {
      at: new Date(this.now()).toISOString(),
      kind,
      manifestCid,
      name: image.name,
      version: image.version,
      ...(replaced === undefined ? {} : { replaced: replaced.manifestCid }),
    }
    const before = this.pointers
    const eventKey = this.eventKey(event.at)
    await this.write(`committing the activation of ${manifestCid}`, [
      { type: 'put', key: POINTERS_KEY, value: toStored(next) },
      { type: 'put', key: eventKey, value: event },
    ])
    try {
      await this.step('committed')
      await this.applyLinks(next)
      // only now: whoever reads `current` from here on finds the link pointing at it
      this.pointers = next
    } catch (err) {
      if (err instanceof PlayedCrash) throw err.cause // leave everything as a crash would
      await this.undo(before, eventKey, err)
      throw err
    }
    this.log.info({ manifestCid, name: image.name, version: image.version, replaced: replaced?.manifestCid, kind }, 'image activated')
    return { ...this.pointers }
  }

  /** Switches back to the `previous` version (no bytes copied or fetched): the two swap places. */
  async rollback(): Promise<ActivationPointers> {
    const previous = this.pointers.previous
    if (previous === undefined) throw new ImageNotKeptError('no previous version is kept on this node: nothing to roll back to')
    return this.activate(previous.manifestCid, 'rollback')
  }

  /** The activation history, oldest first. */
  async history(): Promise<ActivationEvent[]> {
    return this.read('reading the activation history', () =>
      this.db.values({ gte: EVENT_PREFIX, lt: `${EVENT_PREFIX}\uffff` }).all(),
    ) as Promise<ActivationEvent[]>
  }

  /**
   * Removes kept images other than `current`, `previous` and those in `keep` (files and
   * records). Returns what was removed.
   */
  async prune(keep: Iterable<string> = []): Promise<KeptImage[]> {
    const spared = new Set([...keep, this.pointers.current?.manifestCid, this.pointers.previous?.manifestCid])
    const removed: KeptImage[] = []
    for (const image of await this.keptImages()) {
      if (spared.has(image.manifestCid)) continue
      const path = join(this.dataDir, image.file)
      try {
        await unlink(path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.log.warn({ path, err: (err as Error).message }, 'cannot remove an old image version')
          continue
        }
      }
      await this.write(`forgetting image ${image.manifestCid}`, [{ type: 'del', key: IMAGE_PREFIX + image.manifestCid }])
      removed.push(image)
      this.log.info({ manifestCid: image.manifestCid, name: image.name, version: image.version }, 'old image version removed')
    }
    return removed
  }

  // ---- internals ------------------------------------------------------------------------

  private async recover(): Promise<void> {
    for (const link of [CURRENT_LINK, PREVIOUS_LINK]) await this.removeIfPresent(join(this.dataDir, link + TMP_LINK_SUFFIX))
    const stored = ((await this.read('reading the activation pointers', () => this.db.get(POINTERS_KEY))) ?? {}) as StoredPointers
    const last = await this.read('reading the activation history', () =>
      this.db.keys({ gte: EVENT_PREFIX, lt: `${EVENT_PREFIX}\uffff`, reverse: true, limit: 1 }).all(),
    )
    this.eventSeq = last.length === 0 ? 0 : Number(String(last[0]).slice(-8)) + 1
    const resolveKept = async (cid: string | undefined, which: string): Promise<KeptImage | undefined> => {
      if (cid === undefined) return undefined
      const image = await this.kept(cid)
      if (image === undefined) this.log.error({ manifestCid: cid }, `the ${which} image's file is missing: it is no longer kept`)
      return image
    }
    this.pointers = {
      current: await resolveKept(stored.current, 'current'),
      previous: await resolveKept(stored.previous, 'previous'),
    }
    if (this.pointers.current?.manifestCid !== stored.current || this.pointers.previous?.manifestCid !== stored.previous) {
      await this.write('correcting the activation pointers', [{ type: 'put', key: POINTERS_KEY, value: toStored(this.pointers) }])
    }
    await this.applyLinks(this.pointers)
  }

  /** A switch failed after its commit (not a crash): put the old pointers and links back. */
  private async undo(before: ActivationPointers, eventKey: string, cause: unknown): Promise<void> {
    this.pointers = before
    try {
      await this.write('undoing a failed activation', [
        { type: 'put', key: POINTERS_KEY, value: toStored(before) },
        { type: 'del', key: eventKey },
      ])
      await this.applyLinks(before)
    } catch (err) {
      this.log.error(
        { err: (err as Error).message, cause: (cause as Error).message },
        'cannot undo a failed activation; the links are repaired at the next start',
      )
    }
  }

  private async step(step: ActivationStep): Promise<void> {
    if (this.onStep === undefined) return
    try {
      await this.onStep(step)
    } catch (err) {
      throw new PlayedCrash(err)
    }
  }

  /** Makes each link show its pointer; links already right are left alone. */
  private async applyLinks(pointers: ActivationPointers): Promise<void> {
    let changed = false
    for (const [name, image] of [
      [CURRENT_LINK, pointers.current],
      [PREVIOUS_LINK, pointers.previous],
    ] as const) {
      const link = join(this.dataDir, name)
      if (image === undefined) {
        changed = (await this.removeIfPresent(link)) || changed
        continue
      }
      if ((await readlink(link).catch(() => undefined)) === image.file) continue
      const tmp = link + TMP_LINK_SUFFIX
      try {
        await this.removeIfPresent(tmp)
        await symlink(image.file, tmp)
        await this.step(`link-made:${name}`)
        await rename(tmp, link)
        await this.step(`link-renamed:${name}`)
      } catch (err) {
        if (err instanceof PlayedCrash || err instanceof ActivationError) throw err
        throw new ActivationError(`cannot point ${link} at ${image.file}: ${(err as Error).message}`, { cause: err })
      }
      changed = true
    }
    if (changed) await this.syncDataDir()
  }

  private fileFor(image: { name: string; version: string; manifestCid: string }): string {
    for (const [field, value] of [
      ['name', image.name],
      ['version', image.version],
    ] as const) {
      if (!LABEL.test(value)) throw new InvalidInputError(`image ${field} ${JSON.stringify(value)} cannot name a file`)
    }
    if (!/^[a-z0-9]{8,}$/i.test(image.manifestCid)) {
      throw new InvalidInputError(`manifest CID ${JSON.stringify(image.manifestCid)} cannot name a file`)
    }
    return join(IMAGES_DIR, image.name, `${image.version}-${image.manifestCid.slice(-8)}.img`)
  }

  private async record(manifestCid: string): Promise<KeptImage | undefined> {
    return (await this.read(`reading the record of image ${manifestCid}`, () => this.db.get(IMAGE_PREFIX + manifestCid))) as
      | KeptImage
      | undefined
  }

  private async fileIntact(image: KeptImage): Promise<boolean> {
    const s = await stat(join(this.dataDir, image.file)).catch(() => undefined)
    return s !== undefined && s.isFile() && s.size === image.size
  }

  private eventKey(at: string): string {
    // time first for readability, then a sequence number so two events in one millisecond keep their order
    return `${EVENT_PREFIX}${at}/${String(this.eventSeq++).padStart(8, '0')}`
  }

  private async removeIfPresent(path: string): Promise<boolean> {
    try {
      await unlink(path)
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw new ActivationError(`cannot remove ${path}: ${(err as Error).message}`, { cause: err })
    }
  }

  private async syncDataDir(): Promise<void> {
    try {
      const dir = await open(this.dataDir, 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    } catch (err) {
      throw new ActivationError(`cannot sync ${this.dataDir} after switching links: ${(err as Error).message}`, { cause: err })
    }
  }

  private async write(action: string, ops: Array<{ type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }>): Promise<void> {
    try {
      const batch = this.db.batch()
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.key, op.value)
        else batch.del(op.key)
      }
      await batch.write({ sync: true } as object)
    } catch (err) {
      throw new ActivationError(`activation store failed ${action}: ${(err as Error).message}`, { cause: err })
    }
  }

  private async read<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new ActivationError(`activation store failed ${action}: ${(err as Error).message}`, { cause: err })
    }
  }
}
