/**
 * The value of an unlabelled sample in Prometheus text exposition format (`name 123`), or
 * undefined when the metric is absent. Enough to read counters such as
 * `imgswarm_agent_bytes_from_peers_total` from an agent's `/metrics`.
 */
export function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const [metric, value] = line.trim().split(/\s+/)
    if (metric === name && value !== undefined) return Number(value)
  }
  return undefined
}
