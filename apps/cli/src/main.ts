import '@imgswarm/core/polyfills'
import { buildProgram, reportError } from './program.js'

// Commands are registered in program.ts (buildProgram); this file only runs the program.
try {
  await buildProgram().parseAsync(process.argv)
  process.exit(0)
} catch (err) {
  process.exit(reportError(err))
}
