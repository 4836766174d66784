/**
 * Bytes per second over a sliding window, kept in a ring of fixed time slots so adding and
 * reading are O(slots) with no per-sample memory (one of these per node at 10,000 nodes).
 */
export class SlidingWindowRate {
  private readonly slotMs: number
  private readonly slots: Float64Array
  private head = 0
  private headSlot: number
  private total = 0
  private readonly startedAt: number

  constructor(windowMs: number, now: number, slotCount = 10) {
    this.slotMs = Math.max(1, windowMs / slotCount)
    this.slots = new Float64Array(slotCount)
    this.headSlot = Math.floor(now / this.slotMs)
    this.startedAt = now
  }

  add(now: number, bytes: number): void {
    this.advance(now)
    this.slots[this.head] += bytes
    this.total += bytes
  }

  /** Bytes per second over the window (over the time elapsed, while younger than the window). */
  rate(now: number): number {
    this.advance(now)
    const windowMs = this.slotMs * this.slots.length
    const spanMs = Math.min(windowMs, Math.max(this.slotMs, now - this.startedAt))
    return (this.total * 1000) / spanMs
  }

  private advance(now: number): void {
    const slot = Math.floor(now / this.slotMs)
    let steps = slot - this.headSlot
    if (steps <= 0) return
    if (steps >= this.slots.length) {
      this.slots.fill(0)
      this.total = 0
      steps = 0
    }
    for (let k = 0; k < steps; k++) {
      this.head = (this.head + 1) % this.slots.length
      this.total -= this.slots[this.head]
      this.slots[this.head] = 0
    }
    this.headSlot = slot
    if (this.total < 1e-9) this.total = 0
  }
}
