import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { InvalidInputError, ManifestSignatureError, NotFoundError, UntrustedPublisherError } from '@imgswarm/core'
import { generatePublisherKey } from '@imgswarm/manifest'
import { ConflictError, SeedingError } from '../errors.js'
import { RecordingSeeder, signedImage } from '../testing/fixtures.js'
import { createTestingCoordinator, type TestingCoordinator } from '../testing/testing-coordinator.js'
import { ImagesService } from './images.service.js'

describe('ImagesService', () => {
  let c: TestingCoordinator
  let seeder: RecordingSeeder
  let images: ImagesService

  beforeEach(async () => {
    seeder = new RecordingSeeder()
    c = await createTestingCoordinator({ seeder })
    images = c.moduleRef.get(ImagesService)
  })
  afterEach(async () => {
    await c.close()
  })

  it('registers a trusted signed manifest, hands it to the seed, and finds it by name and by CID', async () => {
    const img = signedImage('win11-iot', '2026.11')
    const { image, created } = await images.register({ manifest: img.base64, sourcePath: '/srv/win11.img' })
    expect(created).toBe(true)
    expect(image).toMatchObject({
      name: 'win11-iot',
      version: '2026.11',
      manifestCid: img.cid,
      chunkCount: 4,
      size: 4 * 256 * 1024,
      sourcePath: '/srv/win11.img',
      seededByCoordinator: true,
    })
    expect(seeder.served).toHaveLength(1)
    expect(seeder.served[0]).toMatchObject({ manifestCid: img.cid, sourcePath: '/srv/win11.img' })
    expect(Buffer.from(seeder.served[0].manifestBytes)).toEqual(Buffer.from(img.bytes))
    expect(await images.get('win11-iot', '2026.11')).toEqual(image)
    expect((await images.manifest(img.cid)).manifest).toBe(img.base64)
    expect(await images.list()).toHaveLength(1)

    const again = await images.register({ manifest: img.base64 })
    expect(again.created).toBe(false)
    expect(again.image.sourcePath).toBe('/srv/win11.img')
  })

  it('refuses a manifest with a bad signature, an untrusted publisher, or no base64, storing nothing', async () => {
    const img = signedImage('win11-iot', '2026.11')
    const tampered = Buffer.from(img.bytes)
    tampered[tampered.length - 1] ^= 0x01 // inside the signature
    await expect(images.register({ manifest: tampered.toString('base64') })).rejects.toBeInstanceOf(ManifestSignatureError)
    const stranger = signedImage('win11-iot', '2026.12', generatePublisherKey())
    await expect(images.register({ manifest: stranger.base64 })).rejects.toThrow(UntrustedPublisherError)
    await expect(images.register({ manifest: 'not base64!' })).rejects.toThrow(InvalidInputError)
    await expect(images.register({ manifest: Buffer.from('garbage').toString('base64') })).rejects.toThrow(InvalidInputError)
    expect(await images.list()).toEqual([])
    expect(seeder.served).toEqual([])
  })

  it('refuses other content under a taken name and version', async () => {
    await images.register({ manifest: signedImage('img', '1', undefined, 4).base64 })
    await expect(images.register({ manifest: signedImage('img', '1', undefined, 5).base64 })).rejects.toThrow(ConflictError)
    expect(await images.list()).toHaveLength(1)
  })

  it('refuses the registration when the seed cannot serve the image', async () => {
    seeder.failWith = 'ENOENT: /srv/missing.img'
    const err = await images.register({ manifest: signedImage('img', '1').base64, sourcePath: '/srv/missing.img' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SeedingError)
    expect((err as Error).message).toContain('ENOENT: /srv/missing.img')
    expect(await images.list()).toEqual([])
  })

  it('says which image is unknown', async () => {
    await expect(images.get('nope', '1')).rejects.toThrow(new NotFoundError('image nope@1 is not registered'))
    await expect(images.manifest('bafynope')).rejects.toThrow(NotFoundError)
  })

  it('serves every stored image again after a restart', async () => {
    const img = signedImage('img', '1')
    await images.register({ manifest: img.base64, sourcePath: '/srv/img' })
    await c.stop()
    const again = new RecordingSeeder()
    c = await createTestingCoordinator({ dataDir: c.config.dataDir, seeder: again, removeOnClose: true })
    expect(again.served.map((s) => s.manifestCid)).toEqual([img.cid])
    expect((await c.moduleRef.get(ImagesService).list())[0].seededByCoordinator).toBe(true)
  })
})
