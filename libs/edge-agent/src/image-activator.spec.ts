import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { lstat, mkdir, readFile, readdir, readlink, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { InvalidInputError } from '@imgswarm/core'
import { ChunkStore } from '@imgswarm/chunk-store'
import { ACTIVATION_SUBLEVEL } from './constants.js'
import { ActivationError, ImageNotKeptError } from './errors.js'
import { ImageActivator, type ActivationStep, type KeptImage } from './image-activator.js'
import { tempDir } from './test/fixtures.js'

describe('ImageActivator (real files and level in a temp dir)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let store: ChunkStore

  const open = (onStep?: (step: ActivationStep) => void | Promise<void>): Promise<ImageActivator> =>
    ImageActivator.open({ dataDir: dir.path, db: store.sublevel(ACTIVATION_SUBLEVEL), onStep })

  /** Writes a complete image file where the activator wants it and records it as kept. */
  async function keep(activator: ImageActivator, version: string): Promise<KeptImage & { sha: string }> {
    const manifestCid = `bafyfake${version.replace(/\W/g, '')}${randomBytes(6).toString('hex')}`
    const path = activator.pathFor({ name: 'win11-iot', version, manifestCid })
    const bytes = randomBytes(64 * 1024)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, bytes)
    const kept = await activator.install({ manifestCid, name: 'win11-iot', version, path, size: bytes.length })
    return { ...kept, sha: sha(bytes) }
  }

  const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
  const shaOf = async (path: string): Promise<string> => sha(await readFile(path))
  const link = (name: string): Promise<string | undefined> => readlink(join(dir.path, name)).catch(() => undefined)
  const tmpLinks = async (): Promise<string[]> => (await readdir(dir.path)).filter((f) => f.endsWith('.tmp'))

  beforeEach(async () => {
    dir = await tempDir()
    store = await ChunkStore.open(dir.path)
  })

  afterEach(async () => {
    await store.close()
    await dir.remove()
  })

  it('places files at images/<name>/<version>-<cid8>.img and refuses names that are not file names', async () => {
    const activator = await open()
    expect(activator.pathFor({ name: 'win11-iot', version: '2026.11', manifestCid: 'bafyreiabcdefgh12345678' })).toBe(
      join(dir.path, 'images', 'win11-iot', '2026.11-12345678.img'),
    )
    expect(() => activator.pathFor({ name: '../etc', version: '1', manifestCid: 'bafyreiabcdefgh12345678' })).toThrow(InvalidInputError)
    expect(() => activator.pathFor({ name: 'a', version: '1/2', manifestCid: 'bafyreiabcdefgh12345678' })).toThrow(/version/)
    await expect(activator.install({ manifestCid: 'bafyx1234567', name: 'a', version: '1', path: '/etc/passwd', size: 1 })).rejects.toThrow(
      InvalidInputError,
    )
  })

  it('switches `current` atomically, keeps the replaced version as `previous`, and records history', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    const v2 = await keep(activator, '2')
    await activator.activate(v1.manifestCid)
    expect(await link('current')).toBe(v1.file)
    expect(await link('previous')).toBeUndefined()
    expect(await shaOf(activator.currentLink)).toBe(v1.sha)

    // at every step of the switch, `current` is a whole image: the old one or the new one
    const seen: string[] = []
    const reported = new Set<string | undefined>()
    const watching = await open(async (step) => {
      seen.push(`${step}:${await shaOf(watching.currentLink)}`)
      reported.add(watching.current?.manifestCid)
    })
    await watching.activate(v2.manifestCid)
    // nobody is told v2 is current before the `current` link shows it
    expect([...reported]).toEqual([v1.manifestCid])
    expect(watching.current?.manifestCid).toBe(v2.manifestCid)
    expect(seen.map((s) => s.split(':').slice(0, -1).join(':'))).toEqual([
      'committed',
      'link-made:current',
      'link-renamed:current',
      'link-made:previous',
      'link-renamed:previous',
    ])
    for (const s of seen) expect([v1.sha, v2.sha]).toContain(s.split(':').at(-1))

    expect(await link('current')).toBe(v2.file)
    expect(await link('previous')).toBe(v1.file)
    expect(await shaOf(watching.currentLink)).toBe(v2.sha)
    expect(await shaOf(watching.previousLink)).toBe(v1.sha)
    expect((await lstat(watching.currentLink)).isSymbolicLink()).toBe(true)
    expect(await tmpLinks()).toEqual([])
    expect((await watching.history()).map((e) => [e.kind, e.version, e.replaced])).toEqual([
      ['activate', '1', undefined],
      ['activate', '2', v1.manifestCid],
    ])

    // a restart reads the same state
    const reopened = await open()
    expect(reopened.current?.manifestCid).toBe(v2.manifestCid)
    expect(reopened.previous?.manifestCid).toBe(v1.manifestCid)
  })

  it('rolls back by switching the links only: the image files are not touched', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    const v2 = await keep(activator, '2')
    await activator.activate(v1.manifestCid)
    await activator.activate(v2.manifestCid)
    const before = await Promise.all([v1, v2].map((v) => stat(join(dir.path, v.file))))

    const after = await activator.rollback()
    expect(after.current?.manifestCid).toBe(v1.manifestCid)
    expect(after.previous?.manifestCid).toBe(v2.manifestCid)
    expect(await link('current')).toBe(v1.file)
    expect(await link('previous')).toBe(v2.file)
    expect(await shaOf(activator.currentLink)).toBe(v1.sha)
    const now = await Promise.all([v1, v2].map((v) => stat(join(dir.path, v.file))))
    for (const [i, s] of now.entries()) {
      expect(s.ino).toBe(before[i].ino)
      expect(s.mtimeMs).toBe(before[i].mtimeMs)
    }
    expect((await activator.history()).at(-1)).toMatchObject({ kind: 'rollback', manifestCid: v1.manifestCid, replaced: v2.manifestCid })

    // and forward again, still without copying anything
    await activator.rollback()
    expect(await link('current')).toBe(v2.file)
  })

  it('refuses to activate what is not kept, and to roll back with nothing kept', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    await expect(activator.rollback()).rejects.toThrow(ImageNotKeptError)
    await activator.activate(v1.manifestCid)
    await expect(activator.activate('bafynotkept12345678')).rejects.toThrow(ImageNotKeptError)
    // a kept record whose file vanished is not kept either
    const v2 = await keep(activator, '2')
    await writeFile(join(dir.path, v2.file), 'truncated')
    await expect(activator.activate(v2.manifestCid)).rejects.toThrow(/not kept/)
    expect(await link('current')).toBe(v1.file)
    await expect(activator.rollback()).rejects.toThrow(/no previous version/)
  })

  it.each(['committed', 'link-made:current', 'link-renamed:current', 'link-made:previous'] as const)(
    'a crash at "%s" leaves a consistent state: the next start cleans up and completes the switch',
    async (crashAt) => {
      const first = await open()
      const v1 = await keep(first, '1')
      const v2 = await keep(first, '2')
      await first.activate(v1.manifestCid)

      const crashing = await open((step) => {
        if (step === crashAt) throw new Error(`power lost at ${step}`)
      })
      await expect(crashing.activate(v2.manifestCid)).rejects.toThrow(`power lost at ${crashAt}`)
      // whatever was left, `current` is a whole image file
      expect([v1.sha, v2.sha]).toContain(await shaOf(join(dir.path, 'current')))

      const restarted = await open()
      expect(await tmpLinks()).toEqual([])
      expect(restarted.current?.manifestCid).toBe(v2.manifestCid)
      expect(restarted.previous?.manifestCid).toBe(v1.manifestCid)
      expect(await link('current')).toBe(v2.file)
      expect(await link('previous')).toBe(v1.file)
    },
  )

  it('a half-made tmp link from before the commit is removed and the old state stays', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    const v2 = await keep(activator, '2')
    await activator.activate(v1.manifestCid)
    await symlink(v2.file, join(dir.path, 'current.tmp'))
    await symlink('images/nowhere', join(dir.path, 'previous.tmp'))

    const restarted = await open()
    expect(await tmpLinks()).toEqual([])
    expect(restarted.current?.manifestCid).toBe(v1.manifestCid)
    expect(await link('current')).toBe(v1.file)
  })

  it('a switch that fails (not a crash) is undone: old pointers and links, and a retry works', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    const v2 = await keep(activator, '2')
    await activator.activate(v1.manifestCid)
    // something that is not a link squats the tmp name, so making the new link fails
    await mkdir(join(dir.path, 'current.tmp', 'squatter'), { recursive: true })

    await expect(activator.activate(v2.manifestCid)).rejects.toThrow(ActivationError)
    expect(activator.current?.manifestCid).toBe(v1.manifestCid)
    expect(await link('current')).toBe(v1.file)
    expect((await activator.history()).map((e) => e.version)).toEqual(['1'])

    await rm(join(dir.path, 'current.tmp'), { recursive: true })
    const reopened = await open()
    expect(reopened.current?.manifestCid).toBe(v1.manifestCid)
    await reopened.activate(v2.manifestCid)
    expect(await link('current')).toBe(v2.file)
  })

  it('forgets a pointer whose file is gone at start-up', async () => {
    const activator = await open()
    const v1 = await keep(activator, '1')
    const v2 = await keep(activator, '2')
    await activator.activate(v1.manifestCid)
    await activator.activate(v2.manifestCid)
    await unlink(join(dir.path, v1.file))

    const restarted = await open()
    expect(restarted.current?.manifestCid).toBe(v2.manifestCid)
    expect(restarted.previous).toBeUndefined()
    expect(await link('previous')).toBeUndefined()
  })

  it('prunes versions older than previous, keeping current, previous and what it is told to keep', async () => {
    const activator = await open()
    const [v1, v2, v3, v4] = await Promise.all(['1', '2', '3', '4'].map((v) => keep(activator, v)))
    await activator.activate(v1.manifestCid)
    await activator.activate(v2.manifestCid)
    await activator.activate(v3.manifestCid)

    const removed = await activator.prune([v4.manifestCid])
    expect(removed.map((r) => r.version)).toEqual(['1'])
    await expect(stat(join(dir.path, v1.file))).rejects.toThrow(/ENOENT/)
    for (const v of [v2, v3, v4]) expect((await stat(join(dir.path, v.file))).isFile()).toBe(true)
    expect(await activator.kept(v1.manifestCid)).toBeUndefined()
    expect((await activator.keptImages()).map((k) => k.version).sort()).toEqual(['2', '3', '4'])
  })
})
