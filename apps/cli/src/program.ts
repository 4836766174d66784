import { Command, CommanderError } from 'commander'
import { ImgswarmError } from '@imgswarm/core'

/**
 * Every command, by name, with the module that builds it. A module is loaded only when its
 * command runs (or for the whole tree: help, tests), so `imgswarm status` does not load libp2p
 * or NestJS. Register a new command with one line here.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['seed', async () => (await import('./commands/seed.js')).seedCommand()],
  ['fetch', async () => (await import('./commands/fetch.js')).fetchCommand()],
  ['coordinator', async () => (await import('./commands/coordinator.js')).coordinatorCommand()],
  ['publish', async () => (await import('./commands/publish.js')).publishCommand()],
  ['rollout', async () => (await import('./commands/rollout.js')).rolloutCommand()],
  ['status', async () => (await import('./commands/status.js')).statusCommand()],
  ['demo', async () => (await import('./commands/demo.js')).demoCommand()],
  ['agent', async () => (await import('./commands/agent.js')).agentCommand()],
]

/**
 * The `imgswarm` command tree. Given the user's arguments (`process.argv.slice(2)`), only the
 * command they name is built; without them (or for help and unknown commands) all are. Built
 * here, not in main.ts, so tests can read the real commands and flags (e.g. to check that
 * deploy/ files only use flags that exist).
 */
export async function buildProgram(args?: readonly string[]): Promise<Command> {
  const named = COMMANDS.filter(([name]) => name === args?.[0])
  // one at a time: Jest's ESM loader mishandles concurrent dynamic imports of shared modules
  const commands: Command[] = []
  for (const [, load] of named.length > 0 ? named : COMMANDS) commands.push(await load())
  const program = new Command('imgswarm')
    .description('peer-to-peer distribution of large golden images')
    .version('0.1.0')
    // program options only before the subcommand: `seed --version 2026.11` is the image version
    .enablePositionalOptions()
    .showHelpAfterError()
    .exitOverride()
  for (const command of commands) program.addCommand(command)
  return inheritSettings(program)
}

/**
 * `addCommand` (unlike `.command()`) copies no settings to the subcommand: without this, a
 * subcommand's usage error would call process.exit(1) itself instead of reaching reportError
 * (exit 2), and would show no help. Applied down the whole tree.
 */
function inheritSettings(command: Command): Command {
  for (const sub of command.commands) inheritSettings(sub.copyInheritedSettings(command))
  return command
}

/** Prints a clear one-line error (a stack only with IMGSWARM_DEBUG) and picks the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
  if (err instanceof ImgswarmError) {
    process.stderr.write(`imgswarm: error: ${err.message} (${err.code})\n`)
  } else {
    process.stderr.write(`imgswarm: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`)
  }
  if (process.env.IMGSWARM_DEBUG !== undefined && err instanceof Error) process.stderr.write(`${err.stack}\n`)
  return 1
}
