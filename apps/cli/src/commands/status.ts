import { Command } from 'commander'
import { ImgswarmError } from '@imgswarm/core'
import type { RolloutView } from '@imgswarm/coordinator-client'
import { adminClient, withAdminOptions, type AdminOptions } from '../admin-client.js'
import { parseSeconds } from '../options.js'
import { sleepUnlessSignalled } from '../signals.js'
import { isSettled, renderOverview, renderRollout, succeeded } from '../status-table.js'

interface StatusOptions extends AdminOptions {
  watch?: boolean
  interval: number
  json?: boolean
}

/** `status <id> --watch` saw the rollout settle without reaching its goal (halted, aborted, failed nodes). */
export class RolloutUnsuccessfulError extends ImgswarmError {
  static override name = 'RolloutUnsuccessfulError'
  override readonly code = 'ERR_ROLLOUT_UNSUCCESSFUL'
}

export function statusCommand(): Command {
  return withAdminOptions(
    new Command('status')
      .description('the fleet at a glance, or one rollout per wave and per node (state, bytes, rate, ETA, peers, seed vs peers, failures)')
      .argument('[rollout]', 'rollout id (e.g. r-1); without it, the fleet overview'),
  )
    .option('--watch', 'refresh until interrupted; with a rollout id, until it settles (exit 0 only if it completed)')
    .option('--interval <seconds>', 'refresh interval with --watch', parseSeconds, 2)
    .option('--json', 'print JSON (one line per refresh with --watch)')
    .action(async (id: string | undefined, opts: StatusOptions) => {
      const client = adminClient(opts)
      const tty = process.stdout.isTTY === true && opts.json !== true
      let stopped = false
      let unsuccessful: RolloutView | undefined
      const onSignal = (): void => void (stopped = true)
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
      try {
        for (;;) {
          let text: string
          let settled = false
          if (id === undefined) {
            const [status, rollouts] = await Promise.all([client.status(), client.listRollouts()])
            text = opts.json === true ? JSON.stringify({ status, rollouts }) : renderOverview(status, rollouts)
          } else {
            const view = await client.getRollout(id)
            text = opts.json === true ? JSON.stringify(view) : renderRollout(view)
            settled = isSettled(view)
            if (opts.watch === true && settled && !succeeded(view)) unsuccessful = view
          }
          // On a terminal, redraw in place; otherwise (logs, pipes) append each refresh.
          process.stdout.write(`${tty && opts.watch === true ? '\x1b[H\x1b[2J' : ''}${text}\n${opts.watch === true && !tty && opts.json !== true ? '\n' : ''}`)
          if (opts.watch !== true || settled || stopped) break
          await sleepUnlessSignalled(opts.interval * 1000)
          if (stopped) break
        }
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
      }
      if (unsuccessful !== undefined) {
        const v = unsuccessful
        const failed = v.nodes.filter((n) => n.state === 'failed').length
        throw new RolloutUnsuccessfulError(
          `rollout ${v.id} ended ${v.status}${v.haltReason === undefined ? '' : ` (${v.haltReason})`}` +
            `${failed > 0 ? `, ${failed} of ${v.total} nodes failed` : ''}`,
        )
      }
    })
}
