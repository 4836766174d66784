/**
 * Runs async critical sections one at a time, in call order. The coordinator's state changes are
 * read-modify-write over level records; running them under one lock keeps every write in order
 * and the in-memory caches equal to what is stored.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve()

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn)
    this.tail = result.catch(() => undefined)
    return result
  }
}
