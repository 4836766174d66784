/**
 * Bytes per second over the time something was outstanding (requests at a peer, sends in
 * progress), decayed exponentially with time constant `windowMs`: a sliding window that does
 * not count idle time we caused ourselves, and that decays to zero for a peer that never
 * answers. O(1) memory and time.
 */
export class BusyRate {
  private readonly windowMs: number
  private bytes = 0
  private busy = 0
  private last: number
  /** Undecayed busy time, to tell "not measured yet" from "slow". */
  totalBusyMs = 0
  /** Undecayed bytes added. */
  totalBytes = 0
  private active = 0

  constructor(windowMs: number, now: number) {
    this.windowMs = windowMs
    this.last = now
  }

  /** Sets how many things are outstanding from now on (0: idle time does not count). */
  setActive(now: number, active: number): void {
    this.advance(now)
    this.active = active
  }

  add(now: number, bytes: number): void {
    this.advance(now)
    this.bytes += bytes
    this.totalBytes += bytes
  }

  /** Bytes per second while busy, or undefined before any busy time. */
  rate(now: number): number | undefined {
    this.advance(now)
    return this.busy > 0 ? (this.bytes * 1000) / this.busy : undefined
  }

  private advance(now: number): void {
    const dt = now - this.last
    if (dt <= 0) return
    this.last = now
    const decay = Math.exp(-dt / this.windowMs)
    this.bytes *= decay
    this.busy *= decay
    if (this.active > 0) {
      // integral of the decayed busy indicator over [last, now]
      this.busy += this.windowMs * (1 - decay)
      this.totalBusyMs += dt
    }
  }
}
