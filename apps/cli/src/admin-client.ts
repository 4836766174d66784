import { Command, InvalidArgumentError, Option } from 'commander'
import { CoordinatorClient } from '@imgswarm/coordinator-client'

/** Environment variables the operator commands (and the coordinator, for its tokens) read. */
export const COORDINATOR_URL_ENV = 'IMGSWARM_COORDINATOR'
// The same names as @imgswarm/coordinator's ADMIN_TOKEN_ENV / ENROLMENT_TOKEN_ENV (a spec checks).
export const ADMIN_TOKEN_ENV = 'IMGSWARM_ADMIN_TOKEN'
export const ENROLMENT_TOKEN_ENV = 'IMGSWARM_ENROLMENT_TOKEN'

export interface AdminOptions {
  coordinator: string
  token: string
}

/** Adds `--coordinator <url>` and `--token <admin token>` (or their environment variables). */
export function withAdminOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--coordinator <url>', 'coordinator URL, e.g. http://10.0.0.5:7700').env(COORDINATOR_URL_ENV).argParser(parseUrl).makeOptionMandatory(),
    )
    .addOption(new Option('--token <token>', 'admin token').env(ADMIN_TOKEN_ENV).makeOptionMandatory())
}

export function adminClient(opts: AdminOptions): CoordinatorClient {
  return new CoordinatorClient({ url: opts.coordinator, token: opts.token })
}

/** Accepts an http(s) URL (usage error otherwise, before anything is sent). */
export function parseUrl(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InvalidArgumentError(`expected a URL such as http://127.0.0.1:7700, got "${value}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`expected an http or https URL, got "${value}"`)
  return value
}
