// The run queue in a browser: three runs started on the CPU of a tiny model; the first trains,
// the second and third wait in the Runs page's Queue panel (order, method, device, when each is
// expected to start); the third is cancelled from the panel and never starts (no run folder); a
// queued run's page says where it stands and offers Start now and Cancel; once the first ends,
// the second trains by itself. Screenshots at 1280×800 and 1024×700, light and dark.
// Runs alone: node tests/e2e/run-queue.mjs (after npm run build).
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import { openApp } from './app.mjs'
import { apiCall as call, repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { assert, check } from './runner.mjs'

async function prepareFiles(dir) {
  const { writeTinyModel } = await tsImport(join(repoRoot, 'tests/helpers/tiny-models.ts'), import.meta.url)
  const modelDir = join(dir, 'tiny-llama')
  writeTinyModel(modelDir, 'llama')
  const train = join(dir, 'train.jsonl')
  writeFileSync(train, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `copy ${i}`, completion: ` ${i}` })).join('\n') + '\n')
  return { modelDir, train }
}

async function until(what, done, timeoutMs = 120_000) {
  const end = Date.now() + timeoutMs
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function shoot(env, page, name) {
  for (const [width, height] of [[1280, 800], [1024, 700]]) {
    await page.setViewportSize({ width, height })
    await page.screenshot({ path: join(env.resultsDir, `${name}-${width}.png`), animations: 'disabled' })
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

export function registerRunQueueChecks(env) {
  check('a second run waits in the Queue panel and trains after the first; a third is cancelled while queued', async () => {
    const { server, files } = env
    const config = (name, maxSteps) => ({
      name,
      model: files.modelDir,
      data: { train: files.train, max_length: 128 },
      adapter: { method: 'ia3' },
      train: { batch_size: 2, max_steps: maxSteps, save_every: 1000, eval_every: 1000 },
      device: 'cpu',
    })
    const first = await call(server, 'runsStart', { config: config('first-long', 100_000) })
    const second = await call(server, 'runsStart', { config: config('second-short', 3) })
    const third = await call(server, 'runsStart', { config: config('third-cancelled', 3) })
    assert(first.run.status === 'starting', `the first run is ${first.run.status}`)
    assert(second.run.status === 'queued' && second.jobId === null, `the second run is ${second.run.status}`)
    assert(third.run.status === 'queued', `the third run is ${third.run.status}`)

    for (const colorScheme of ['light', 'dark']) {
      const { page, context } = await openApp(env.browser(), server, { colorScheme })
      await page.goto(`${server.origin}/#/runs`)
      const panel = page.getByTestId('queue-panel')
      await panel.waitFor()
      const rows = panel.getByTestId('queue-row')
      await until('two rows in the Queue panel', async () => (await rows.count()) === 2, 15_000)
      const names = await panel.getByTestId('queue-run-name').allInnerTexts()
      assert(names.join(',') === 'second-short,third-cancelled', `the panel lists ${names.join(', ')}`)
      const firstRow = await rows.first().innerText()
      assert(firstRow.includes('(IA)³') && /CPU/.test(firstRow), `the first row does not name its method and device: ${firstRow}`)
      const secondStarts = await rows.nth(1).getByTestId('queue-starts').innerText()
      assert(/Starts (after second-short|in about|in less than a minute)/.test(secondStarts), `the third run's start: ${secondStarts}`)
      await shoot(env, page, `runs-queue-${colorScheme}`)

      // The queued run's page: where it stands, Start now and Cancel.
      await page.goto(`${server.origin}/#/runs/${second.run.id}`)
      const queued = page.getByTestId('run-queued')
      await queued.waitFor()
      const said = (await queued.innerText()).replace(/\s+/g, ' ')
      assert(said.includes('Waiting for the CPU: position 1 in its queue'), `the run page says: ${said}`)
      assert(await page.getByTestId('run-start-now').isVisible(), 'no Start now (alongside) on a queued run\'s page')
      await shoot(env, page, `run-queued-${colorScheme}`)
      await context.close()
    }

    // Cancel the third from the panel: it never starts and leaves no folder.
    const { page, context } = await openApp(env.browser(), server)
    await page.goto(`${server.origin}/#/runs`)
    const row = page.locator(`[data-testid="queue-row"][data-run-id="${third.run.id}"]`)
    await row.getByTestId('queue-cancel').click()
    await row.waitFor({ state: 'detached', timeout: 15_000 })
    const cancelled = await call(server, 'runsShow', { runId: third.run.id })
    assert(cancelled.run.status === 'cancelled' && cancelled.run.startedAt === null, `the third run is ${cancelled.run.status}, started ${cancelled.run.startedAt}`)
    assert(!existsSync(cancelled.folder), `the cancelled queued run left ${cancelled.folder}`)

    // The first ends (cancelled here, after it trained): the second starts by itself and completes.
    await until('the first run to train', async () => (await call(server, 'runsShow', { runId: first.run.id })).run.status === 'running')
    assert((await call(server, 'runsShow', { runId: second.run.id })).run.status === 'queued', 'the second run did not wait for the first')
    await call(server, 'runsCancel', { runId: first.run.id })
    await page.getByTestId('queue-panel').waitFor({ state: 'detached', timeout: 60_000 })
    await until('the second run to complete', async () => (await call(server, 'runsShow', { runId: second.run.id })).run.status === 'completed')
    const [a, b] = await Promise.all([first, second].map(async (r) => (await call(server, 'runsShow', { runId: r.run.id })).run))
    assert(b.startedAt >= a.finishedAt, `the second run started at ${b.startedAt}, before the first ended at ${a.finishedAt}`)
    await context.close()
  })
}

export function registerRunsAtOnceChecks(env) {
  check('Settings: runs at once per device is 1 by default and saves a new value', async () => {
    const { server } = env
    for (const colorScheme of ['light', 'dark']) {
      const { page, context } = await openApp(env.browser(), server, { colorScheme })
      await page.goto(`${server.origin}/#/settings`)
      const input = page.getByTestId('runs-at-once').locator('input')
      await input.waitFor()
      assert((await input.inputValue()) === '1', `the box shows ${await input.inputValue()}`)
      await shoot(env, page, `settings-runs-at-once-${colorScheme}`)
      await context.close()
    }
    const { page, context } = await openApp(env.browser(), server)
    await page.goto(`${server.origin}/#/settings`)
    const input = page.getByTestId('runs-at-once').locator('input')
    const saved = page.waitForResponse((response) => response.url().endsWith('/api/settingsSet') && response.ok())
    await input.fill('2')
    await input.press('Enter')
    await saved
    const state = await call(server, 'settingsGet', {})
    assert(state.settings.runsAtOncePerDevice === 2, `saved ${state.settings.runsAtOncePerDevice}`)
    await call(server, 'settingsSet', { runsAtOncePerDevice: 1 })
    await context.close()
  })
}

if (runDirectly(import.meta.url)) {
  await runAlone({
    prepare: async (dir) => ({ env: { files: await prepareFiles(dir) } }),
    register: (env) => {
      registerRunQueueChecks(env)
      registerRunsAtOnceChecks(env)
    },
  })
}
