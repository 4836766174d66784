import { ImgswarmError } from '@imgswarm/core'

/** The test network or a required tool could not be set up (not root, `ip` failing, a missing binary). */
export class BenchSetupError extends ImgswarmError {
  static override name = 'BenchSetupError'
  override readonly code = 'ERR_BENCH_SETUP'
}

/** One system under test failed: a process exited early, a seed never served, or it timed out. */
export class SystemRunError extends ImgswarmError {
  static override name = 'SystemRunError'
  override readonly code = 'ERR_BENCH_SYSTEM'
}

/** The run was interrupted (SIGINT/SIGTERM or an aborted signal). */
export class BenchAbortedError extends ImgswarmError {
  static override name = 'BenchAbortedError'
  override readonly code = 'ERR_BENCH_ABORTED'
}
