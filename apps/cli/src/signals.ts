/** Resolves on the first SIGINT or SIGTERM (graceful shutdown of long-running commands). */
export function untilSignal(signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const s of signals) process.off(s, onSignal)
      resolve(signal)
    }
    for (const s of signals) process.on(s, onSignal)
  })
}

/** Resolves after `ms`, or at once on SIGINT/SIGTERM. */
export async function sleepUnlessSignalled(ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([untilSignal(), new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}
