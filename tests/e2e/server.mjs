import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const urlLine = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[^\s]+)/
const startTimeoutMs = 60_000

/**
 * Starts the real web server (`mixture-studio serve --port 0`) on a fresh, empty data
 * folder and resolves once it prints the address to open. `env` is added to its environment
 * (HF_ENDPOINT and HF_HUB_CACHE pointing at the local test Hub).
 */
export async function startServer(repoRoot, env = {}) {
  const home = mkdtempSync(join(tmpdir(), 'mixture-studio-e2e-'))
  const child = spawn(process.execPath, ['bin/mixture-studio.mjs', 'serve', '--port', '0'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, MIXTURE_STUDIO_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))

  const pageUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`printed no http://127.0.0.1:PORT/?token=... line within ${startTimeoutMs / 1000} s`), startTimeoutMs)
    function fail(why) {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`mixture-studio serve ${why}.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`))
    }
    child.stdout.on('data', (chunk) => {
      stdout += chunk
      const match = urlLine.exec(stdout)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal}) before printing its address`))
    child.on('error', (error) => fail(`could not be started: ${error.message}`))
  })

  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(killTimer)
    }
    rmSync(home, { recursive: true, force: true })
  }

  const { origin } = new URL(pageUrl)
  return { pageUrl, origin, home, stop, stderr: () => stderr }
}
