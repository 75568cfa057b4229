// End-to-end test of the renderer in web mode: the real `mixture-studio serve`, the built
// renderer (out/renderer, from `npm run build`) and Debian's Chromium driven by
// playwright-core. Screenshots go to test-results/ for a person to look at.
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import WebSocket from 'ws'
import { assert, assertEqual, check, indent, runChecks } from './runner.mjs'
import { startServer } from './server.mjs'
import { browserErrors, goTo, luminance, openApp, pageFor, pages, screenshot as screenshotTo } from './app.mjs'
import { registerModelChecks, registerModelRemovalCheck } from './models.mjs'
import { registerStorageCheck } from './storage.mjs'
import { makeWorkDir, writeBrokenDataset, writeGoodDataset, writeTinyModelFolder } from './fixtures.mjs'
import { registerDatasetChecks } from './datasets.mjs'
import { registerSettingsChecks } from './settings.mjs'
import { registerTrainingChecks } from './training.mjs'
import { registerEvaluateChecks } from './evaluate.mjs'
import { registerHubChecks, startTestHub } from './hub.mjs'
import { registerEmptyLayoutChecks, registerRunsTableLayoutCheck } from './layout.mjs'
import { registerFirstRunChecks } from './first-run.mjs'
import { loadFromEnv, startLoad } from './load.mjs'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const resultsDir = join(repoRoot, 'test-results')
const chromiumPath = '/usr/bin/chromium'

function preflight() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}; the UI cannot be tested without it. ` +
      'Install it as root: apt-get update && apt-get install -y chromium')
  }
  if (!existsSync(join(repoRoot, 'out/renderer/index.html'))) {
    throw new Error('out/renderer/index.html is missing: run `npm run build` before `npm run test:e2e`.')
  }
}

const screenshot = (page, name) => screenshotTo(page, resultsDir, name)

async function main() {
  preflight()
  mkdirSync(resultsDir, { recursive: true })
  // MIXTURE_STUDIO_E2E_LOAD=N: the checks beside N busy processes (load.mjs).
  const load = startLoad(loadFromEnv())
  const work = makeWorkDir()
  const files = {
    dir: work.dir,
    good: writeGoodDataset(work.dir),
    broken: writeBrokenDataset(work.dir),
    modelDir: await writeTinyModelFolder(work.dir, repoRoot),
  }
  // The local test Hub, which the server reaches through HF_ENDPOINT (its cache in the work folder).
  const testHub = await startTestHub(work.dir)
  const server = await startServer(repoRoot, testHub.env)
  let browser
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    })
    registerChecks(browser, server, files, testHub)
    return await runChecks()
  } finally {
    await browser?.close()
    await server.stop()
    await testHub.close()
    work.remove()
    await load.stop()
  }
}

function registerChecks(browser, server, files, testHub) {
  let app
  const env = { app: () => app, browser: () => browser, server, files, screenshot, resultsDir, repoRoot, hubUrl: testHub.hub.url, hubCacheDir: testHub.cacheDir }

  check('the server answers 401 to requests without the token', async () => {
    const page = await fetch(`${server.origin}/`)
    assertEqual(page.status, 401, 'GET / without token')
    const wrongToken = await fetch(`${server.origin}/?token=not-the-token`)
    assertEqual(wrongToken.status, 401, 'GET /?token=<wrong>')
    const call = await fetch(`${server.origin}/api/systemInfo`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
    })
    assertEqual(call.status, 401, 'POST /api/systemInfo without token')
    const body = await call.json()
    assertEqual(body.code, 'unauthorized', 'error code of the refused call')
    const socketStatus = await new Promise((done) => {
      const socket = new WebSocket(`${server.origin.replace('http', 'ws')}/api/events`)
      socket.on('unexpected-response', (_request, response) => done(response.statusCode))
      socket.on('open', () => {
        socket.close()
        done('open')
      })
      socket.on('error', () => done('error'))
    })
    assertEqual(socketStatus, 401, 'event socket without token')
  })

  check('the shell loads and the token leaves the address bar', async () => {
    app = await openApp(browser, server)
    await app.page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor()
    assertEqual(await app.page.title(), 'Runs · Mixture Studio', 'window title')
    assert(!app.page.url().includes('token='), `the token is still in the address: ${app.page.url()}`)
  })

  check('every page opens from the navigation', async () => {
    for (const entry of pages) {
      await goTo(app.page, entry)
      await screenshot(app.page, `${entry.route}.png`)
    }
  })

  check('Runs explains how to start a run when there are none', async () => {
    await goTo(app.page, pageFor('runs'))
    const empty = app.page.getByTestId('runs-empty')
    await empty.waitFor()
    const text = await empty.innerText()
    assert(text.includes('No runs yet') && text.includes('mixture-studio train'), `empty state says: ${text}`)
    await screenshot(app.page, 'runs.png')
  })

  check('System lists the CPU execution provider as available', async () => {
    await goTo(app.page, pageFor('system'))
    const cpuRow = app.page.getByTestId('providers-table').first().locator('tr[data-provider=cpu]')
    await cpuRow.waitFor()
    const status = (await cpuRow.locator('td').nth(1).innerText()).trim()
    assertEqual(status, 'Available', 'status of cpu')
    const facts = await app.page.getByTestId('machine-facts').innerText()
    for (const label of ['Operating system', 'CPU', 'Memory', 'Node.js', 'onnxruntime-node', 'Data folder']) {
      assert(facts.includes(label), `the Machine card lacks "${label}":\n${facts}`)
    }
    assert(facts.includes(server.home), `the Machine card does not show the data folder ${server.home}:\n${facts}`)
    await screenshot(app.page, 'system.png')
  })

  check('Probe devices runs the system-probe job and shows its result live', async () => {
    const panel = app.page.getByTestId('probe-panel')
    assertEqual(await panel.getAttribute('data-state'), 'idle', 'probe panel before probing')
    await app.page.getByRole('button', { name: 'Probe devices' }).click()
    await app.page.waitForFunction(
      () => !['idle', 'running'].includes(document.querySelector('[data-testid=probe-panel]')?.dataset.state ?? 'idle'),
      undefined,
      { timeout: 90_000 },
    )
    await screenshot(app.page, 'system-probe.png')
    const state = await panel.getAttribute('data-state')
    assertEqual(state, 'completed', `probe state (panel says: ${await panel.innerText()})`)
    const cpuRow = panel.locator('tr[data-provider=cpu]')
    assertEqual((await cpuRow.locator('td').nth(1).innerText()).trim(), 'Available', 'probed status of cpu')
  })

  // While the lists are still empty: it looks at their empty states.
  registerEmptyLayoutChecks(env)
  registerModelChecks(env)
  registerDatasetChecks(env)
  registerSettingsChecks(env)
  registerTrainingChecks(env)
  registerEvaluateChecks(env)
  // Once the training checks have left a run in the list.
  registerRunsTableLayoutCheck(env)
  registerModelRemovalCheck(env)
  // Once runs and a model folder are there: it makes and deletes quantized copies of that folder.
  registerStorageCheck(env)
  // After the removal check, which expects the models list to be empty once tiny-qwen2 is gone.
  registerHubChecks(env)
  // On a server of its own: the walkthrough needs an empty studio, and its demo run would change this one's lists.
  registerFirstRunChecks(env)

  check('the theme follows the operating system', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const themed = await openApp(browser, server, { colorScheme })
      await goTo(themed.page, pageFor('system'))
      await themed.page.getByTestId('providers-table').first().locator('tbody tr').first().waitFor()
      const background = await themed.page.evaluate(() => getComputedStyle(document.body).backgroundColor)
      const light = luminance(background) > 0.5
      assertEqual(light ? 'light' : 'dark', colorScheme, `page background ${background}`)
      await screenshot(themed.page, `system-${colorScheme}.png`)
      await themed.context.close()
    }
  })

  check('the browser reported no errors (console, exceptions, CSP)', async () => {
    assert(browserErrors.length === 0, `the browser reported:\n${browserErrors.join('\n')}`)
  })
}

let summary
try {
  summary = await main()
} catch (error) {
  console.log('  ✗ setup')
  console.log(indent(error?.stack ?? String(error)))
  summary = { passed: 0, failed: 1 }
}
console.log(`${summary.passed} passed, ${summary.failed} failed`)
process.exitCode = summary.failed === 0 ? 0 : 1
