/** What a command gets from the outside world, so tests can run it in-process. */
export interface CliContext {
  env: Record<string, string | undefined>
  stdout(text: string): void
  stderr(text: string): void
  /** Resolves when the user asks a long-running command to stop (Ctrl+C, SIGTERM). */
  untilInterrupted(): Promise<void>
}

/** One top-level command (`serve`, `runs` ...): one file in ./commands, listed in ./commands/index.ts. */
export interface Command {
  name: string
  /** One line for the general help. */
  summary: string
  /** Full usage, shown by `mixture-studio <name> --help` and on a usage error. */
  usage: string
  run(args: string[], context: CliContext): Promise<number>
}

/** Wrong arguments: main prints the message and the command's usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/** A failure its message fully explains (no usage needed): main prints it and exits with 1. */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CliFailure'
  }
}
