import { StoreError } from '../store'
import { CliFailure, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, type CliContext, type Command } from './command'
import { commands } from './commands'
import { processOutput } from './process-output'

export type { CliContext, Command } from './command'

export function generalUsage(list: readonly Command[] = commands): string {
  const width = Math.max(...list.map((command) => command.name.length))
  return [
    'Usage: mixture-studio <command> [options]',
    '',
    'Commands:',
    ...list.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `mixture-studio <command> --help` for a command\'s options.',
    'A RUN or ID (a run, model, dataset or evaluation) is its id, the start of its id (4 characters or',
    'more) when no other id starts so, or its exact name when no other has that name.',
    'Data lives in $MIXTURE_STUDIO_HOME, or the platform\'s application-data folder.',
  ].join('\n')
}

function processContext(): CliContext {
  const output = processOutput()
  return {
    env: process.env,
    stdout: output.stdout,
    stderr: output.stderr,
    // An output whose reader went away (`| head`) stops a long command as Ctrl+C does (process-output.ts).
    untilInterrupted: () =>
      Promise.race([
        output.lost,
        new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve())
          process.once('SIGTERM', () => resolve())
        }),
      ]),
  }
}

/** The `mixture-studio` command. Returns the exit code: 0 ok, 1 failed, 2 wrong usage. */
export async function main(argv: string[], context: CliContext = processContext()): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    ;(name === undefined ? context.stderr : context.stdout)(`${generalUsage()}\n`)
    return name === undefined ? EXIT_USAGE : EXIT_OK
  }
  const command = commands.find((candidate) => candidate.name === name)
  if (!command) {
    context.stderr(`Unknown command "${name}".\n\n${generalUsage()}\n`)
    return EXIT_USAGE
  }
  if (args.includes('--help') || args.includes('-h')) {
    context.stdout(`${command.usage}\n`)
    return EXIT_OK
  }
  try {
    return await command.run(args, context)
  } catch (error) {
    if (error instanceof UsageError) {
      context.stderr(`${error.message}\n\n${command.usage}\n`)
      return EXIT_USAGE
    }
    // A damaged or too-new database, a file where the data folder belongs, an argument that names several
    // runs: the message says what to do.
    if (error instanceof StoreError || error instanceof CliFailure) {
      context.stderr(`${error.message}\n`)
      return EXIT_FAILURE
    }
    context.stderr(`mixture-studio ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    return EXIT_FAILURE
  }
}
