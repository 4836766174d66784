import '@imgswarm/core/polyfills'
import { buildProgram, reportError } from './program.js'

// Commands are registered in program.ts (buildProgram); this file only runs the program.
try {
  const program = await buildProgram(process.argv.slice(2))
  await program.parseAsync(process.argv)
  process.exit(0)
} catch (err) {
  process.exit(reportError(err))
}
