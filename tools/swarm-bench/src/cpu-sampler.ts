import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { CPU_SAMPLE_MS } from './constants.js'

/** Host CPU use while a system transferred: busy fraction of all cores, 0–1. */
export interface CpuUse {
  cores: number
  meanBusy: number
  maxBusy: number
  /** Share of samples with the host more than 90 % busy: the CPU, not the links, was the limit then. */
  saturatedShare: number
  /** Share of all cores spent in softirq (mostly the emulated network: veth, bridge, htb). */
  softirqBusy: number
  /** CPU seconds the system's own processes used during the transfer (kernel network work aside). */
  benchCpuS?: number
  /** `benchCpuS` as a share of all cores over the transfer: the rest of the host load was not ours. */
  benchBusy?: number
}

interface CpuTimes {
  busy: number
  softirq: number
  total: number
}

/** Parses the aggregate `cpu` line of /proc/stat (jiffies; idle and iowait count as not busy). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((l) => l.startsWith('cpu '))
  if (line === undefined) throw new Error('no aggregate cpu line in /proc/stat')
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = values.reduce((a, b) => a + b, 0)
  const idle = values[3] + (values[4] ?? 0)
  return { busy: total - idle, softirq: values[6] ?? 0, total }
}

/** Samples the host's CPU (all namespaces share it) until stopped. */
export function startCpuSampler(intervalMs = CPU_SAMPLE_MS, read = () => readFileSync('/proc/stat', 'utf8')): { stop(): CpuUse } {
  const samples: number[] = []
  let last = parseProcStat(read())
  const first = last
  const timer = setInterval(() => {
    const now = parseProcStat(read())
    if (now.total > last.total) samples.push((now.busy - last.busy) / (now.total - last.total))
    last = now
  }, intervalMs)
  return {
    stop(): CpuUse {
      clearInterval(timer)
      const end = parseProcStat(read())
      const span = end.total - first.total
      const overall = span > 0 ? (end.busy - first.busy) / span : 0
      return {
        cores: availableParallelism(),
        meanBusy: overall,
        maxBusy: samples.length > 0 ? Math.max(...samples) : overall,
        saturatedShare: samples.length > 0 ? samples.filter((s) => s > 0.9).length / samples.length : 0,
        softirqBusy: span > 0 ? (end.softirq - first.softirq) / span : 0,
      }
    },
  }
}
