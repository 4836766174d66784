import { Command } from 'commander'
import type { RolloutAction, RolloutView } from '@imgswarm/coordinator-client'
import { adminClient, withAdminOptions, type AdminOptions } from '../admin-client.js'
import { formatCounts, renderRollout } from '../status-table.js'

interface JsonOption {
  json?: boolean
}

interface CreateOptions extends AdminOptions, JsonOption {
  image: string
  version: string
  selector: string
  waves: string
  maxFailures?: string
}

const ACTIONS: Record<RolloutAction, string> = {
  pause: 'pause a running rollout: no new wave starts (nodes already asked carry on)',
  resume: 'resume a paused or halted rollout',
  abort: 'stop a rollout for good: no new wave starts; nodes keep what they have',
  rollback: 'send every node the rollout reached back to the version it ran before (kept locally, not downloaded again)',
}

export function rolloutCommand(): Command {
  const rollout = new Command('rollout').description('staged rollouts: create, list, get, pause, resume, abort, rollback')
  rollout.addCommand(
    withAdminOptions(
      new Command('create')
        .description('start a staged rollout of a registered image to the nodes matching a selector, wave by wave')
        .requiredOption('--image <name>', 'image name, as published')
        .requiredOption('--version <version>', 'image version, as published')
        .option('--selector <labels>', 'nodes to update: site=plant-3,region=eu, or * for all', '*')
        .requiredOption('--waves <spec>', 'cumulative waves, e.g. 10%,50%,100% or 1,5,100%')
        .option('--max-failures <n|n%>', 'failures tolerated before the rollout halts by itself (default 0)'),
    )
      .option('--json', 'print the rollout as JSON')
      .action(async (opts: CreateOptions) => {
        const view = await adminClient(opts).createRollout({
          image: opts.image,
          version: opts.version,
          selector: opts.selector,
          waves: opts.waves,
          ...(opts.maxFailures === undefined ? {} : { maxFailures: opts.maxFailures }),
        })
        print(view, opts, `created rollout ${view.id}: ${view.image.name}@${view.image.version} to ${view.total} nodes in ${view.waves.length} waves`)
      }),
  )
  rollout.addCommand(
    withAdminOptions(new Command('list').description('list rollouts, oldest first'))
      .option('--json', 'print JSON')
      .action(async (opts: AdminOptions & JsonOption) => {
        const list = await adminClient(opts).listRollouts()
        if (opts.json === true) return void process.stdout.write(`${JSON.stringify(list)}\n`)
        if (list.length === 0) return void process.stdout.write('no rollouts\n')
        for (const r of list) {
          process.stdout.write(`${r.id}  ${r.image.name}@${r.image.version}  ${r.status}  ${r.selector}  ${r.waveSpec}  ${formatCounts(r.counts)}\n`)
        }
      }),
  )
  rollout.addCommand(
    withAdminOptions(new Command('get').description('show one rollout per wave and per node').argument('<id>', 'rollout id, e.g. r-1'))
      .option('--json', 'print JSON')
      .action(async (id: string, opts: AdminOptions & JsonOption) => print(await adminClient(opts).getRollout(id), opts)),
  )
  for (const [action, description] of Object.entries(ACTIONS) as Array<[RolloutAction, string]>) {
    rollout.addCommand(
      withAdminOptions(new Command(action).description(description).argument('<id>', 'rollout id, e.g. r-1'))
        .option('--json', 'print the rollout as JSON')
        .action(async (id: string, opts: AdminOptions & JsonOption) => {
          const view = await adminClient(opts).rolloutAction(id, action)
          print(view, opts, `rollout ${view.id}: ${action} done, now ${view.status}`)
        }),
    )
  }
  return rollout
}

function print(view: RolloutView, opts: JsonOption, headline?: string): void {
  if (opts.json === true) {
    process.stdout.write(`${JSON.stringify(view)}\n`)
    return
  }
  process.stdout.write(`${headline === undefined ? '' : `${headline}\n\n`}${renderRollout(view)}\n`)
}
