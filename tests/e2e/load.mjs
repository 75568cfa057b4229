// The e2e under load: MIXTURE_STUDIO_E2E_LOAD=N starts N busy child processes beside the checks,
// each a `node -e` loop that keeps one core at 100%, so that timing assumptions that hold on an
// idle machine (a run still training when the next click lands, a page answering within seconds)
// are seen to hold on a loaded one, as on a user's laptop compiling beside the app or a shared CI runner.
import { spawn } from 'node:child_process'

const busyLoop = 'for (;;) {}'

/** How many busy processes the environment asks for: 0 when unset; a bad value is refused, saying what is wanted. */
export function loadFromEnv(env = process.env) {
  const raw = env.MIXTURE_STUDIO_E2E_LOAD
  if (raw === undefined || raw === '') return 0
  const count = Number(raw)
  if (!Number.isInteger(count) || count < 0 || count > 64) {
    throw new Error(`MIXTURE_STUDIO_E2E_LOAD is "${raw}": give the number of busy processes to run beside the e2e, 0 to 64 (e.g. MIXTURE_STUDIO_E2E_LOAD=2).`)
  }
  return count
}

/** Starts `count` busy processes; `stop()` kills each by its own id and waits for it to exit. */
export function startLoad(count) {
  const children = Array.from({ length: count }, () => spawn(process.execPath, ['-e', busyLoop], { stdio: 'ignore' }))
  // Should the checks' process end without calling stop (an uncaught error), the loops go with it.
  const killAll = () => children.forEach((child) => child.exitCode === null && child.kill('SIGKILL'))
  process.once('exit', killAll)
  if (count > 0) console.log(`  (under load: ${count} busy processes, pids ${children.map((child) => child.pid).join(', ')})`)
  async function stop() {
    process.removeListener('exit', killAll)
    await Promise.all(children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGKILL')
      return exited
    }))
  }
  return { children, stop }
}
