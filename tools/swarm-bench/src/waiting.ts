import { execFile } from 'node:child_process'
import { BenchAbortedError, SystemRunError } from './errors.js'
import { COMPLETION_POLL_MS } from './constants.js'
import type { BenchProcess } from './processes.js'

export interface PollOptions {
  /** What is awaited, for error messages: "the tracker to list the seeder". */
  what: string
  signal: AbortSignal
  intervalMs?: number
  timeoutMs?: number
  /** Checked before each probe; an error returned here ends the wait (e.g. a process exited). */
  failure?: () => Error | undefined
}

/** Calls `probe` every `intervalMs` until it returns a value; rejects on failure, abort or timeout. */
export async function pollUntil<T>(probe: () => T | undefined | Promise<T | undefined>, options: PollOptions): Promise<T> {
  const { what, signal, intervalMs = COMPLETION_POLL_MS, timeoutMs = Infinity, failure } = options
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (signal.aborted) throw abortError(signal, what)
    const failed = failure?.()
    if (failed !== undefined) throw failed
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new SystemRunError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** A failure check for `pollUntil`: the process ended although it should still be running. */
export function exitedEarly(proc: BenchProcess, logFile: string): () => Error | undefined {
  return () => {
    const exit = proc.exit
    if (exit === undefined) return undefined
    const how = exit.error?.message ?? (exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`)
    return new SystemRunError(`${proc.label} exited early (${how}); see ${logFile}`)
  }
}

/** Runs a short command inside a namespace; resolves with its exit code and stdout (never rejects). */
export function runInNamespace(ns: string, command: string, args: readonly string[], timeoutMs = 10_000): Promise<{ code: number; stdout: Buffer }> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, command, ...args], { encoding: 'buffer', timeout: timeoutMs }, (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      resolve({ code, stdout })
    })
  })
}

/** Runs a short local command; rejects with its stderr if it fails. */
export function runLocal(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout)
      else reject(new SystemRunError(`\`${command} ${args.join(' ')}\` failed: ${stderr.trim() || err.message}`, { cause: err }))
    })
  })
}

/** The error an aborted wait ends with: the abort reason if it is an error (a timeout), else an interruption. */
export function abortError(signal: AbortSignal, what: string): Error {
  return signal.reason instanceof Error ? signal.reason : new BenchAbortedError(`interrupted while waiting for ${what}`)
}

/** Rejects as soon as `signal` aborts, else settles like `promise`. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal, what: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal, what))
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, what))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Rejects with a SystemRunError if `promise` has not settled within `timeoutMs`. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SystemRunError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
