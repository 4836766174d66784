import { readFileSync } from 'node:fs'

// Linux reports /proc/<pid>/stat times in USER_HZ, which is 100 on every mainstream build.
const TICKS_PER_S = 100

/**
 * CPU seconds (user + system, including reaped children such as aria2c's hooks) a process has used
 * so far, from /proc/<pid>/stat; undefined once it is gone.
 */
export function processCpuSeconds(pid: number, read = (path: string) => readFileSync(path, 'utf8')): number | undefined {
  let text: string
  try {
    text = read(`/proc/${pid}/stat`)
  } catch {
    return undefined
  }
  return parseStatCpuSeconds(text)
}

/** utime + stime + cutime + cstime of a /proc/<pid>/stat line, in seconds. */
export function parseStatCpuSeconds(stat: string): number {
  // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
  if (!Number.isFinite(ticks)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`)
  return ticks / TICKS_PER_S
}

/** Total CPU seconds of the given processes (those already gone count as zero). */
export function totalCpuSeconds(pids: readonly (number | undefined)[]): Map<number, number> {
  const result = new Map<number, number>()
  for (const pid of pids) {
    if (pid === undefined) continue
    const s = processCpuSeconds(pid)
    if (s !== undefined) result.set(pid, s)
  }
  return result
}
