// The first run of an empty studio, on a server of its own (a fresh data folder, whatever the other
// checks left in theirs): the walkthrough on the Runs page, hidden and brought back, its demo
// pieces and New run filled in for the first run, then Try the demo, whose run page shows the run
// training and completing, after which the walkthrough is gone.
import { openApp } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'
import { repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { startServer } from './server.mjs'

const sizes = [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]

/** The walkthrough's steps' states, e.g. { model: 'next', dataset: 'later', run: 'later' }. */
async function stepStates(page) {
  const states = {}
  for (const id of ['model', 'dataset', 'run']) states[id] = await page.getByTestId(`step-${id}`).getAttribute('data-state')
  return states
}

async function openRuns(browser, server, options = {}) {
  const app = await openApp(browser, server, options)
  await app.page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor()
  return app
}

/** The walkthrough in both themes and both window sizes, for a person to look at; nothing may stick out sideways. */
async function lookAt(env, server, name) {
  for (const colorScheme of ['light', 'dark']) {
    for (const viewport of sizes) {
      const { context, page } = await openRuns(env.browser(), server, { colorScheme, viewport })
      try {
        await page.getByTestId('first-run').waitFor()
        const overflow = await page.evaluate(() => {
          const card = document.querySelector('[data-testid=first-run]')
          const inside = [...card.querySelectorAll('button, .chosen, .detail')].filter((el) => el.getBoundingClientRect().right > card.getBoundingClientRect().right + 1)
          return inside.map((el) => el.textContent.trim()).join(', ')
        })
        assertEqual(overflow, '', `${colorScheme} ${viewport.width}x${viewport.height}: what sticks out of the walkthrough`)
        await page.screenshot({ path: `${env.resultsDir}/${name}-${colorScheme}-${viewport.width}.png`, animations: 'disabled' })
      } finally {
        await context.close()
      }
    }
  }
}

export function registerFirstRunChecks(env) {
  let server = null
  const fresh = async () => (server ??= await startServer(repoRoot))

  check('an empty studio shows the walkthrough on the Runs page: a model next, then a dataset, then a first run', async () => {
    const { context, page } = await openRuns(env.browser(), await fresh())
    try {
      await page.getByTestId('first-run').waitFor()
      const states = await stepStates(page)
      assertEqual(JSON.stringify(states), JSON.stringify({ model: 'next', dataset: 'later', run: 'later' }), 'the steps of an empty studio')
      // The empty list still says how to start a run; its own Try the demo waits until the walkthrough is hidden.
      await page.getByTestId('runs-empty').waitFor()
      assertEqual(await page.getByTestId('runs-empty-try-demo').count(), 0, 'Try the demo buttons on the empty list beside the walkthrough')
    } finally {
      await context.close()
    }
    await lookAt(env, server, 'first-run-empty')
  })

  check('Hide keeps the walkthrough away across reloads; the empty Runs page and Settings bring it back', async () => {
    const { context, page } = await openRuns(env.browser(), await fresh())
    try {
      await page.getByTestId('first-run').waitFor()
      const saved = page.waitForResponse((response) => response.url().endsWith('/api/settingsSet') && response.ok())
      await page.getByTestId('hide-walkthrough').click()
      await saved
      await page.getByTestId('runs-empty-try-demo').waitFor()
      await page.reload()
      await page.getByTestId('show-walkthrough').waitFor()
      assertEqual(await page.getByTestId('first-run').count(), 0, 'walkthroughs after a reload, once hidden')
      await page.getByTestId('show-walkthrough').click()
      await page.getByTestId('first-run').waitFor()

      await page.getByTestId('hide-walkthrough').click()
      await page.getByTestId('show-walkthrough').waitFor()
      await page.goto(`${server.origin}/#/settings`)
      await page.getByTestId('settings-show-walkthrough').click()
      await page.waitForURL(/#\/runs$/)
      await page.getByTestId('first-run').waitFor()
    } finally {
      await context.close()
    }
  })

  check('the demo model and the sample dataset make their steps done, and New run opens filled in with the demo run', async () => {
    const { context, page } = await openRuns(env.browser(), await fresh())
    try {
      await page.getByTestId('make-demo-model').click()
      await page.getByTestId('chosen-model').waitFor({ timeout: 60_000 })
      assertEqual((await page.getByTestId('chosen-model').innerText()).trim(), 'Demo model (tiny Llama)', 'the model step')
      await page.getByTestId('use-sample').click()
      await page.getByTestId('chosen-dataset').waitFor({ timeout: 60_000 })
      assertEqual(JSON.stringify(await stepStates(page)), JSON.stringify({ model: 'done', dataset: 'done', run: 'next' }), 'the steps with both pieces')
      await lookAt(env, server, 'first-run-pieces')
      await page.getByTestId('start-first-run').click()
      await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor()
      await page.waitForFunction(() => document.querySelector('[data-field="adapter.experts"] input')?.value === '4')
      const model = await page.getByTestId('model-select').innerText()
      assert(model.includes('Demo model'), `New run's model: ${model}`)
    } finally {
      await context.close()
    }
  })

  check('Try the demo opens its run, which trains to completion, and the walkthrough is gone after', async () => {
    const { context, page } = await openRuns(env.browser(), await fresh())
    try {
      await page.getByTestId('try-demo').click()
      await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/, { timeout: 60_000 })
      await page.getByRole('heading', { level: 1, name: 'demo: MoV' }).waitFor()
      // Live: the curve grows while it trains.
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss-chart]')?.dataset.points) >= 3, undefined, { timeout: 120_000 })
      await page.waitForFunction(() => ['completed', 'failed'].includes(document.querySelector('[data-testid=run-progress]')?.dataset.status), undefined, { timeout: 300_000 })
      assertEqual(await page.getByTestId('run-progress').getAttribute('data-status'), 'completed', 'the demo run\'s status')
      await env.screenshot(page, 'first-run-demo-run.png')

      await page.goto(`${server.origin}/#/runs`)
      await page.locator('tr', { hasText: 'demo: MoV' }).first().waitFor()
      assertEqual(await page.getByTestId('first-run').count(), 0, 'walkthroughs once there is a run')
      // The pieces the earlier check made were reused, not made again.
      await page.goto(`${server.origin}/#/models`)
      await page.locator('tr', { hasText: 'Demo model (tiny Llama)' }).first().waitFor()
      assertEqual(await page.locator('tr', { hasText: 'Demo model (tiny Llama)' }).count(), 1, 'demo models listed')
    } finally {
      await context.close()
      await server?.stop()
      server = null
    }
  })
}

/** Alone: these checks only (they start their own server). */
if (runDirectly(import.meta.url)) {
  await runAlone({ prepare: async () => ({ serverEnv: {}, env: {} }), register: registerFirstRunChecks })
}
