// The journey a first-time user takes, from an empty data folder, all through the UI: the
// walkthrough on the Runs page; a model folder chosen on Models; a JSONL imported through the
// wizard; New run filled in by the walkthrough, Start; a second run started while the first
// trains waits in the Queue panel and trains after it; Compare; Export of the first run in two
// formats to the folders the dialog suggests; the Playground with its adapter, through the
// run's own template. Then every page at 1280×800 and 1024×700, light and dark, none wider
// than the window. Screenshots go to test-results/journey-*.png for a person to look at.
// Runs alone: node tests/e2e/journey.mjs (after npm run build); MIXTURE_STUDIO_E2E_LOAD=2 runs
// it beside two busy processes.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { chooseOption, goTo, openApp, pageFor } from './app.mjs'
import { writeGoodDataset, writeTinyModelFolder } from './fixtures.mjs'
import { assert, assertEqual, check } from './runner.mjs'
import { apiCall as call, repoRoot, runAlone, runDirectly } from './standalone.mjs'

const wide = { width: 1280, height: 800 }
const narrow = { width: 1024, height: 700 }
/** Generous: a loaded machine (MIXTURE_STUDIO_E2E_LOAD) trains and exports several times slower. */
const TRAINING_MS = 5 * 60_000
/**
 * The first run's length: it must still be training once the second run has been set up in
 * New run and started (10–20 s of clicks and estimates, more under load); its steps take 60–90 ms on
 * a shared 2-core machine, so it trains for about 40 s.
 */
const FIRST_RUN_STEPS = 500
const SECOND_RUN_STEPS = 20

/** Screenshots of `page` at both sizes (the tall one shows the whole page, as app.mjs's screenshot does). */
async function shoot(env, page, name, sizes = [wide]) {
  for (const size of sizes) {
    await page.setViewportSize(size)
    const contentHeight = await page.evaluate(() => {
      const main = document.querySelector('main')
      for (let el = main?.parentElement; el; el = el.parentElement) el.scrollTop = 0
      return main ? Math.ceil(main.getBoundingClientRect().top + main.scrollHeight + 48) : 0
    })
    await page.setViewportSize({ width: size.width, height: Math.max(size.height, contentHeight) })
    await page.screenshot({ path: join(env.resultsDir, `journey-${name}-${size.width}.png`), animations: 'disabled' })
  }
  await page.setViewportSize(wide)
}

/** Types into a schema-generated number field and leaves it, which is when the form takes the value. */
async function setNumber(page, path, value) {
  const input = page.locator(`[data-field="${path}"] input`)
  await input.fill(String(value))
  await input.blur()
}

async function waitForEstimate(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=estimate]')?.dataset.ready === 'true', undefined, { timeout: 60_000 })
}

async function stepStates(page) {
  const states = {}
  for (const id of ['model', 'dataset', 'run']) states[id] = await page.getByTestId(`step-${id}`).getAttribute('data-state')
  return JSON.stringify(states)
}

async function openRunsPage(page) {
  await goTo(page, pageFor('runs'))
  await page.getByTestId('first-run').waitFor()
}

async function wizardNext(page, step) {
  await page.getByTestId('wizard-next').click()
  await page.locator(`.wizard[data-step="${step}"]`).waitFor({ timeout: 30_000 })
}

/** The files directly in `folder`, sorted; what is missing of `expected` is named in the failure. */
function expectFiles(folder, expected, what) {
  assert(existsSync(folder), `${what}: the folder ${folder} was not written`)
  const files = readdirSync(folder).sort()
  const missing = expected.filter((name) => !files.includes(name))
  assert(missing.length === 0, `${what}: ${folder} lacks ${missing.join(', ')}; it holds ${files.join(', ')}`)
}

export function registerJourneyChecks(env) {
  const runs = {}

  check('an empty studio greets a first-time user with the walkthrough: a model next', async () => {
    const { page } = env.app()
    await openRunsPage(page)
    assertEqual(await stepStates(page), JSON.stringify({ model: 'next', dataset: 'later', run: 'later' }), 'the steps of an empty studio')
    await shoot(env, page, '1-walkthrough', [wide, narrow])
  })

  check('the model step: Choose a folder opens Models, where the tiny model folder is added, and the step is done', async () => {
    const { page } = env.app()
    await page.getByTestId('step-model').getByRole('button', { name: 'Choose a folder' }).click()
    await page.getByRole('heading', { level: 1, name: 'Models' }).waitFor()
    await page.getByLabel('Model folder path').fill(env.files.modelDir)
    await page.getByTestId('model-import').click()
    const details = page.getByTestId('model-details')
    await details.waitFor({ timeout: 30_000 })
    const text = await details.innerText()
    assert(text.includes('Qwen2ForCausalLM') && text.includes('chat template yes'), `the model details say:\n${text}`)
    await shoot(env, page, '2-model')
    await page.keyboard.press('Escape')
    await details.waitFor({ state: 'detached' })
    await openRunsPage(page)
    await page.getByTestId('chosen-model').waitFor()
    assertEqual((await page.getByTestId('chosen-model').innerText()).trim(), 'tiny-qwen2', 'the model step\'s choice')
    assertEqual(await stepStates(page), JSON.stringify({ model: 'done', dataset: 'next', run: 'later' }), 'the steps with a model')
  })

  check('the dataset step: Import yours opens the wizard, which imports a JSONL with a held-out share', async () => {
    const { page } = env.app()
    await page.getByTestId('step-dataset').getByRole('button', { name: 'Import yours' }).click()
    await page.getByRole('heading', { level: 1, name: 'Import a dataset' }).waitFor()
    await page.getByLabel('Data file path').fill(env.files.good.path)
    await page.getByLabel('Dataset name').fill('questions')
    await shoot(env, page, '3-wizard-file', [wide, narrow])
    await wizardNext(page, 'mapping')
    const format = await page.getByTestId('format-select').innerText()
    assert(format.includes('Prompt and completion'), `the detected format: ${format}`)
    await wizardNext(page, 'validation')
    const summary = await page.getByTestId('validation-summary').innerText()
    assert(summary.includes('No problems found'), `validation says: ${summary}`)
    await wizardNext(page, 'preview')
    await page.getByTestId('text-view').first().waitFor()
    await wizardNext(page, 'split')
    await page.getByTestId('split-kind').getByText('A share').click()
    await page.getByTestId('split-percent').locator('input').fill('10')
    await page.getByTestId('split-percent').locator('input').blur()
    await page.waitForFunction(() => document.querySelector('[data-testid=split-estimate]')?.textContent?.includes('36 examples to train on, 4 held out'), undefined, { timeout: 10_000 })
    await shoot(env, page, '3-wizard-split')
    await page.getByTestId('wizard-import').click()
    await page.getByRole('heading', { level: 1, name: 'questions' }).waitFor({ timeout: 30_000 })
    runs.datasetUrl = page.url()
    const counts = await page.getByTestId('dataset-counts').innerText()
    assert(/Train\s+36\b/.test(counts) && /Validation\s+4\b/.test(counts), `the dataset's counts:\n${counts}`)
    await shoot(env, page, '3-dataset')
    await openRunsPage(page)
    await page.getByTestId('chosen-dataset').waitFor()
    assertEqual(await stepStates(page), JSON.stringify({ model: 'done', dataset: 'done', run: 'next' }), 'the steps with a model and a dataset')
    await shoot(env, page, '3-walkthrough-pieces', [wide, narrow])
  })

  check('the run step opens New run filled in with a preset on the two pieces; Start trains it', async () => {
    const { page } = env.app()
    const preset = await page.getByTestId('run-preset').innerText()
    assert(preset.includes('on tiny-qwen2'), `the run step offers: ${preset}`)
    await page.getByTestId('start-first-run').click()
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor()
    await page.waitForFunction(() => document.querySelector('[data-testid=model-select]')?.textContent?.includes('tiny-qwen2'), undefined, { timeout: 10_000 })
    assert((await page.getByTestId('dataset-select').innerText()).includes('questions'), 'New run\'s dataset is not the one imported')
    // Few, cheap steps: no evaluation or checkpoint on the way, the end saves the adapter.
    await setNumber(page, 'train.max_steps', FIRST_RUN_STEPS)
    await setNumber(page, 'train.eval_every', 1000)
    await setNumber(page, 'train.save_every', 1000)
    await page.getByLabel('Run name').locator('input').fill('journey-first')
    await waitForEstimate(page)
    await shoot(env, page, '4-new-run', [wide, narrow])
    await page.getByTestId('start-run').click()
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 })
    runs.first = page.url().split('/').at(-1)
    await page.getByRole('heading', { level: 1, name: 'journey-first' }).waitFor()
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss-chart]')?.dataset.points) >= 2, undefined, { timeout: TRAINING_MS })
    await shoot(env, page, '4-run-training')
  })

  check('a second run started while the first trains waits in the Queue panel, then trains after it', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('new-run'))
    await chooseOption(page, page.getByTestId('model-select'), 'tiny-qwen2')
    await chooseOption(page, page.getByTestId('dataset-select'), 'questions')
    await page.getByTestId('presets').getByText('LoRA r16', { exact: true }).click()
    await setNumber(page, 'train.max_steps', SECOND_RUN_STEPS)
    await setNumber(page, 'train.eval_every', 1000)
    await setNumber(page, 'train.save_every', 1000)
    await page.getByLabel('Run name').locator('input').fill('journey-second')
    await waitForEstimate(page)
    const first = (await call(env.server, 'runsShow', { runId: runs.first })).run
    assert(['starting', 'running'].includes(first.status), `the first run is ${first.status} before the second starts: make FIRST_RUN_STEPS (${FIRST_RUN_STEPS}) larger`)
    await page.getByTestId('start-run').click()
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 })
    runs.second = page.url().split('/').at(-1)
    const queued = page.getByTestId('run-queued')
    await queued.waitFor()
    // It says 'Waiting for its device' at once, its place once the queue has been read.
    await page.waitForFunction(() => document.querySelector('[data-testid=run-queued]')?.textContent?.includes('position 1'), undefined, { timeout: 20_000 })
      .catch(async () => assert(false, `the queued run's page says: ${(await queued.innerText()).replace(/\s+/g, ' ')}`))
    await shoot(env, page, '5-run-queued')

    await goTo(page, pageFor('runs'))
    const panel = page.getByTestId('queue-panel')
    await panel.waitFor()
    assertEqual((await panel.getByTestId('queue-run-name').allInnerTexts()).join(','), 'journey-second', 'the runs the Queue panel lists')
    await shoot(env, page, '5-runs-queue', [wide, narrow])

    // The first ends by itself, then the second starts by itself and completes; the panel goes.
    await panel.waitFor({ state: 'detached', timeout: TRAINING_MS })
    const until = Date.now() + TRAINING_MS
    let second
    while ((second = (await call(env.server, 'runsShow', { runId: runs.second })).run).status !== 'completed') {
      assert(!['failed', 'cancelled'].includes(second.status), `the second run ended ${second.status}`)
      assert(Date.now() < until, `the second run is still ${second.status} after ${TRAINING_MS / 60_000} min`)
      await page.waitForTimeout(500)
    }
    const firstRun = (await call(env.server, 'runsShow', { runId: runs.first })).run
    assertEqual(firstRun.status, 'completed', 'the first run\'s status')
    assert(second.startedAt >= firstRun.finishedAt, `the second run started at ${second.startedAt}, before the first ended at ${firstRun.finishedAt}`)
    await page.locator('tr[data-run="journey-second"]').waitFor()
    await page.waitForFunction(() => document.querySelector('tr[data-run="journey-second"]')?.textContent?.includes('completed'), undefined, { timeout: 10_000 })
    await shoot(env, page, '5-runs-done', [wide, narrow])
  })

  check('Compare shows the two runs\' curves and what differs in their configurations', async () => {
    const { page } = env.app()
    await page.locator('tr[data-run="journey-first"] .n-checkbox').click()
    await page.locator('tr[data-run="journey-second"] .n-checkbox').click()
    await page.getByTestId('compare-runs').click()
    await page.getByRole('heading', { level: 1, name: 'Compare runs' }).waitFor()
    runs.compareUrl = page.url()
    const method = await page.locator('[data-testid=config-diff] tr[data-path="adapter.method"]').innerText()
    assert(/mov/i.test(method) && /lora/i.test(method), `the method row says: ${method}`)
    await page.getByTestId('compare-loss').locator('canvas').first().waitFor()
    await shoot(env, page, '6-compare', [wide, narrow])
  })

  check('Export writes the first run natively and as an ONNX model into the folders the dialog suggests', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/runs/${runs.first}`)
    await page.getByRole('heading', { level: 1, name: 'journey-first' }).waitFor()
    await page.getByTestId('run-export').click()
    const dialog = page.getByTestId('export-dialog')
    const destination = dialog.getByLabel('Destination folder').locator('input')
    const exportsRoot = join(env.home, 'Documents', 'Mixture Studio exports')
    const nativeFolder = join(exportsRoot, 'journey-first-native')
    await page.waitForFunction((want) => document.querySelector('[aria-label="Destination folder"] input, input[aria-label="Destination folder"]')?.value === want, nativeFolder, { timeout: 10_000 })
      .catch(async () => assertEqual(await destination.inputValue(), nativeFolder, 'the suggested folder for the native export'))
    await dialog.getByText('Native', { exact: true }).click()
    await page.getByTestId('export-run').click()
    await page.getByTestId('export-result').waitFor({ timeout: TRAINING_MS })
    await shoot(env, page, '7-export-native')
    expectFiles(nativeFolder, ['adapter_config.json', 'adapter_model.safetensors'], 'the native export')

    // Another format suggests a folder of its own.
    await dialog.getByText('ONNX model', { exact: true }).click()
    const onnxFolder = join(exportsRoot, 'journey-first-onnx')
    await page.waitForFunction((want) => document.querySelector('input[aria-label="Destination folder"], [aria-label="Destination folder"] input')?.value === want, onnxFolder, { timeout: 10_000 })
      .catch(async () => assertEqual(await destination.inputValue(), onnxFolder, 'the suggested folder for the ONNX export'))
    await page.getByTestId('export-run').click()
    await page.waitForFunction(() => document.querySelector('[data-testid=export-result]')?.textContent?.includes('model.onnx.data'), undefined, { timeout: TRAINING_MS })
    await shoot(env, page, '7-export-onnx')
    expectFiles(onnxFolder, ['decoder_step.onnx', 'model.onnx', 'model.onnx.data', 'tokenizer.json'], 'the ONNX export')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
  })

  check('the Playground with the first run\'s adapter prompts through the run\'s template and generates', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('playground'))
    await chooseOption(page, page.getByTestId('playground-run'), 'journey-first')
    await page.waitForFunction(() => document.querySelector('[data-testid=playground-model]')?.textContent?.includes('tiny-qwen2'), undefined, { timeout: 10_000 })
    // The tiny model has a chat template and the run trained on prompt/completion rows: the run's template is the model's.
    await page.waitForFunction(() => document.querySelector('[data-testid=playground-format]')?.textContent?.includes('As the run trained'), undefined, { timeout: 10_000 })
      .catch(async () => assert(false, `the Playground's format is ${await page.getByTestId('playground-format').innerText()}, not the run's`))
    const format = (await page.getByTestId('playground-format').innerText()).trim()
    assertEqual(format, 'As the run trained (chat template)', 'the prompt format')
    const help = await page.getByTestId('playground-format-help').innerText()
    assert(help.includes('as the run trained'), `the format's note: ${help}`)
    await page.getByTestId('playground-prompt').locator('textarea').fill('what is the sea like on day 3?')
    await page.getByTestId('playground-generate').click()
    await page.getByTestId('answer-adapted').waitFor({ timeout: TRAINING_MS })
    const adapted = await page.getByTestId('answer-adapted').innerText()
    assert(/\d+ tokens/.test(adapted), `the adapter's answer has no token count:\n${adapted}`)
    await shoot(env, page, '8-playground', [wide, narrow])
  })

  registerEveryPageCheck(env, runs)
}

/** Every page, and a thing on it to wait for once its data is in (the heading alone comes first). */
function everyPage(runs) {
  return [
    { name: 'runs', url: '#/runs', ready: '[data-testid=runs-table] tbody tr' },
    { name: 'run', url: `#/runs/${runs.first}`, ready: '[data-testid=loss-chart] canvas' },
    { name: 'new-run', url: '#/new-run', ready: '[data-testid=presets]' },
    { name: 'compare', url: runs.compareUrl.slice(runs.compareUrl.indexOf('#')), ready: '[data-testid=config-diff]' },
    { name: 'evaluate', url: '#/evaluate', ready: 'main h1' },
    { name: 'playground', url: '#/playground', ready: '[data-testid=playground-prompt]' },
    { name: 'models', url: '#/models', ready: 'tr[data-model="tiny-qwen2"]' },
    { name: 'datasets', url: '#/datasets', ready: 'tr[data-dataset="questions"]' },
    { name: 'dataset-detail', url: runs.datasetUrl.slice(runs.datasetUrl.indexOf('#')), ready: '[data-testid=dataset-counts]' },
    { name: 'dataset-import', url: '#/datasets/import', ready: '.wizard' },
    { name: 'system', url: '#/system', ready: '[data-testid=providers-table] tbody tr' },
    { name: 'settings', url: '#/settings', ready: '[data-testid=runs-at-once]' },
  ]
}

/**
 * What sticks out sideways: the document's own scroll width, and each element reaching past the
 * window's right edge. One inside a scroller of the page's own (a wide table in its scrollbar, a
 * code block) may: it scrolls within a box that fits. The layout's scrollers around <main> do not
 * count as such: a page that scrolls sideways there is what this looks for.
 */
function sidewaysOverflow() {
  const width = window.innerWidth
  const main = document.querySelector('main')
  const clipped = (el) => {
    for (let parent = el.parentElement; parent && parent !== main && parent !== document.body; parent = parent.parentElement) {
      if (parent.contains(main)) return false
      if (getComputedStyle(parent).overflowX !== 'visible' && parent.getBoundingClientRect().right <= width + 1) return true
    }
    return false
  }
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => {
      const box = el.getBoundingClientRect()
      return box.width > 0 && (box.width > width + 1 || box.right > width + 1) && !clipped(el)
    })
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} (${Math.round(el.getBoundingClientRect().right)} px)`)
  return { scrollWidth: document.scrollingElement.scrollWidth, width, wide }
}

function registerEveryPageCheck(env, runs) {
  check('every page fits 1280×800 and 1024×700 in light and dark, nothing wider than the window', async () => {
    const problems = []
    for (const colorScheme of ['light', 'dark']) {
      for (const viewport of [wide, narrow]) {
        const { context, page } = await openApp(env.browser(), env.server, { colorScheme, viewport })
        try {
          for (const entry of everyPage(runs)) {
            await page.goto(`${env.server.origin}/${entry.url}`)
            await page.locator('main h1').first().waitFor()
            await page.locator(entry.ready).first().waitFor({ timeout: 30_000 })
            const found = await page.evaluate(sidewaysOverflow)
            if (found.scrollWidth > found.width || found.wide.length) {
              problems.push(`${entry.name} at ${viewport.width}×${viewport.height} ${colorScheme}: document ${found.scrollWidth} px in ${found.width}; wider: ${found.wide.join(', ') || 'none'}`)
            }
            await page.screenshot({ path: join(env.resultsDir, `journey-page-${entry.name}-${colorScheme}-${viewport.width}.png`), animations: 'disabled' })
          }
        } finally {
          await context.close()
        }
      }
    }
    assert(problems.length === 0, `pages wider than the window:\n${problems.join('\n')}`)
  })
}

if (runDirectly(import.meta.url)) {
  await runAlone({
    prepare: async (dir) => {
      // The server's home, so the export suggestions (~/Documents/Mixture Studio exports) land in the test's folder.
      const home = join(dir, 'home')
      mkdirSync(join(home, 'Documents'), { recursive: true })
      const files = { dir, good: writeGoodDataset(dir), modelDir: await writeTinyModelFolder(dir, repoRoot) }
      return { serverEnv: { HOME: home }, env: { files, home } }
    },
    register: registerJourneyChecks,
  })
}
