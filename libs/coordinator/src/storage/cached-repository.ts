import type { CoordinatorStore, JsonSection, WriteOptions } from './coordinator-store.js'

/**
 * A store section read into memory on first use and written through: reads are map lookups, and
 * `save` resolves only once level has the value. Values handed out are shared: treat them as
 * read-only and save a new object to change one.
 */
export abstract class CachedRepository<V> {
  private readonly section: JsonSection<V>
  private cache?: Promise<Map<string, V>>

  protected constructor(store: CoordinatorStore, name: string) {
    this.section = store.section<V>(name)
  }

  async get(key: string): Promise<V | undefined> {
    return (await this.all()).get(key)
  }

  async list(): Promise<V[]> {
    return [...(await this.all()).values()]
  }

  async save(key: string, value: V, options?: WriteOptions): Promise<void> {
    const cache = await this.all()
    await this.section.put(key, value, options)
    cache.set(key, value)
  }

  /** The whole section, loaded once. */
  protected all(): Promise<Map<string, V>> {
    this.cache ??= this.load()
    return this.cache
  }

  private async load(): Promise<Map<string, V>> {
    const map = new Map<string, V>()
    for await (const [key, value] of this.section.entries()) map.set(key, value)
    return map
  }
}
