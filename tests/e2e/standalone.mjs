// What an e2e file needs to run on its own (`node tests/e2e/hub.mjs`) as well as inside run.mjs:
// the CLI on the server's data folder, and a runner that starts a server, a browser and the file's
// checks, with the shell check first and the browser-errors check last, as run.mjs has them.
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { browserErrors, openApp, screenshot as screenshotTo } from './app.mjs'
import { assert, check, runChecks } from './runner.mjs'
import { loadFromEnv, startLoad } from './load.mjs'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** `mixture-studio ...` on the data folder `home`; its JSON lines. */
export function cli(home, args) {
  const result = spawnSync(process.execPath, ['bin/mixture-studio.mjs', ...args], {
    cwd: repoRoot, env: { ...process.env, MIXTURE_STUDIO_HOME: home }, encoding: 'utf8', timeout: 180_000,
  })
  if (result.status !== 0) throw new Error(`mixture-studio ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`)
  return result.stdout.trim().split('\n').filter((line) => line.startsWith('{') || line.startsWith('[')).map((line) => JSON.parse(line))
}

/** A contract call on the server, as the page makes it (the token as a bearer): to read or set up what a check needs. */
export async function apiCall(server, name, input) {
  const token = new URL(server.pageUrl).searchParams.get('token')
  const response = await fetch(`${server.origin}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  })
  const body = await response.json()
  if (!response.ok) throw new Error(`${name} answered ${response.status}: ${JSON.stringify(body)}`)
  return body
}

/**
 * Runs one file's checks alone (beside MIXTURE_STUDIO_E2E_LOAD busy processes when set: load.mjs). `prepare(workDir)` makes what they need before the server starts
 * and returns { serverEnv, env (merged into the checks' env), close }; `register(env)` registers them.
 */
export async function runAlone({ prepare, register }) {
  const { chromium } = await import('playwright-core')
  const { startServer } = await import('./server.mjs')
  const { makeWorkDir } = await import('./fixtures.mjs')
  const resultsDir = join(repoRoot, 'test-results')
  mkdirSync(resultsDir, { recursive: true })
  const load = startLoad(loadFromEnv())
  const work = makeWorkDir()
  const prepared = await prepare(work.dir)
  const server = await startServer(repoRoot, prepared.serverEnv)
  let browser
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
    let app
    check('the shell loads', async () => {
      app = await openApp(browser, server)
    })
    register({ app: () => app, browser: () => browser, server, resultsDir, screenshot: (page, name) => screenshotTo(page, resultsDir, name), ...prepared.env })
    check('the browser reported no errors', async () => {
      assert(browserErrors.length === 0, `the page reported:\n${browserErrors.join('\n')}`)
    })
    const { passed, failed } = await runChecks()
    console.log(`${passed} passed, ${failed} failed`)
    process.exitCode = failed > 0 ? 1 : 0
  } finally {
    await browser?.close()
    await server.stop()
    await prepared.close?.()
    work.remove()
    await load.stop()
  }
}

/** Whether `importMetaUrl`'s file is the one node was asked to run. */
export function runDirectly(importMetaUrl) {
  return Boolean(process.argv[1]) && resolve(process.argv[1]) === fileURLToPath(importMetaUrl)
}
