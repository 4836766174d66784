// Child process for the crash and full-disk specs: opens a download in a data dir and writes
// the test image's chunks, reporting on stdout one JSON line per event.
import { ChunkStore } from '../chunk-store.js'
import { makeImage, shuffled, type ChildArgs } from '../spec-helpers.js'

const args = JSON.parse(process.argv[2]) as ChildArgs
const image = makeImage(args.size, args.chunkLength, args.seed)
const say = (event: object): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`)
}

const store = await ChunkStore.open(args.dataDir, { flushChunks: args.flushChunks, flushIntervalMs: 3_600_000 })
let caughtUp: (() => void) | undefined
const download = await store.openDownload(image.cid, image.manifest, args.partialPath, {
  onDurable: (durable) => {
    say({ durable: durable.count })
    caughtUp?.()
  },
})
const order = args.mode === 'crash' ? shuffled(image.manifest.chunks.length, 11) : image.manifest.chunks.map((_, i) => i)
say({ opened: download.verified.count })
let written = 0
for (const index of order) {
  if (download.has(index)) continue
  try {
    await download.write(index, image.chunk(index))
    written++
    say({ index, ok: true, written })
    // In crash mode keep the writes at most a few flushes ahead of durability (as a fetch is, by
    // the network), so that the kill lands mid-stream with chunks written but not yet flushed.
    while (args.mode === 'crash' && download.verified.count - download.durable.count > 3 * args.flushChunks) {
      await new Promise<void>((resolve) => (caughtUp = resolve))
    }
  } catch (err) {
    const e = err as Error & { code?: string }
    say({ index, ok: false, name: e.name, code: e.code, message: e.message })
  }
}
if (args.mode === 'crash') {
  // Everything written; wait to be killed without ever closing (no final flush).
  say({ waiting: true })
  setInterval(() => undefined, 1000)
} else {
  await store.close()
  say({ closed: true })
}
