// The CLI run in the test's own process, as `mixture-studio ARGS` would run with
// MIXTURE_STUDIO_HOME=home, its output collected instead of printed. Nothing interrupts it: a
// test that needs Ctrl+C builds its own CliContext.
import { main, type CliContext } from '../../main/cli'

export interface CliResult {
  /** The exit status `main` returned. */
  code: number
  stdout: string
  stderr: string
}

/** Runs `mixture-studio ...args` in-process over the data folder `home`; `env` adds variables (HF_ENDPOINT...). */
export async function runCli(args: string[], { home, env = {} }: { home: string; env?: Record<string, string> }): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const context: CliContext = {
    env: { ...env, MIXTURE_STUDIO_HOME: home },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    untilInterrupted: () => new Promise(() => {}),
  }
  const code = await main(args, context)
  return { code, stdout, stderr }
}
