import { Command, CommanderError } from 'commander'
import { ImgswarmError } from '@imgswarm/core'
import { agentCommand } from './commands/agent.js'
import { coordinatorCommand } from './commands/coordinator.js'
import { demoCommand } from './commands/demo.js'
import { fetchCommand } from './commands/fetch.js'
import { publishCommand } from './commands/publish.js'
import { rolloutCommand } from './commands/rollout.js'
import { statusCommand } from './commands/status.js'
import { seedCommand } from './commands/seed.js'

/**
 * The whole `imgswarm` command tree. Built here (not in main.ts) so tests can read the real
 * commands and flags, e.g. to check that deploy/ files only use flags that exist.
 * Register a new command with one `.addCommand(...)` line below.
 */
export function buildProgram(): Command {
  return inheritSettings(
    new Command('imgswarm')
      .description('peer-to-peer distribution of large golden images')
      .version('0.1.0')
      // program options only before the subcommand: `seed --version 2026.11` is the image version
      .enablePositionalOptions()
      .showHelpAfterError()
      .exitOverride()
      .addCommand(seedCommand())
      .addCommand(fetchCommand())
      .addCommand(coordinatorCommand())
      .addCommand(publishCommand())
      .addCommand(rolloutCommand())
      .addCommand(statusCommand())
      .addCommand(demoCommand())
      .addCommand(agentCommand())
  )
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
