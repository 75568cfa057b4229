// Training from the UI on the tiny model and the imported `questions` dataset: a MoV run set up
// in the New run form (presets, inline validation, live cost, YAML save and load), watched live,
// cancelled and resumed to the end, with its expert-load heatmap; a LoRA run; the history table,
// Compare, Export and the Playground. Runs are a few hundred tiny steps, seconds each.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chooseOption, goTo, openApp, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

const TRAIN_MINUTES = 4 * 60_000
/**
 * The MoV run's length: long enough that it cannot end between seeing it live and clicking
 * Cancel. Here it reaches Cancel in about 3 s, at step 10–30 of a run of 25–45 ms steps. A
 * 120-step run (~3 s) once ended before the test looked for its ETA, and a 400-step one (~10 s)
 * once ended while Cancel was being clicked, when every step still redrew every chart.
 */
const MOV_STEPS = 1000

/** Types into a schema-generated number field and leaves it, which is when the form takes the value. */
async function setNumber(page, path, value) {
  const input = page.locator(`[data-field="${path}"] input`)
  await input.fill(String(value))
  await input.blur()
}

/** Waits for a field to say `text` under it (its old message fades out first); returns what it says. */
async function fieldSays(page, path, text) {
  await page.waitForFunction(([p, t]) => document.querySelector(`[data-field="${p}"]`)?.textContent?.includes(t), [path, text], { timeout: 5_000 })
    .catch(() => {})
  return (await page.locator(`[data-field="${path}"]`).innerText()).trim()
}

async function runStatus(page) {
  return page.getByTestId('run-progress').getAttribute('data-status')
}

async function waitForStatus(page, statuses, timeout = TRAIN_MINUTES) {
  await page.waitForFunction(
    (wanted) => wanted.includes(document.querySelector('[data-testid=run-progress]')?.dataset.status),
    statuses,
    { timeout },
  )
}

async function lossPoints(page) {
  return Number(await page.getByTestId('loss-chart').getAttribute('data-points'))
}

async function waitForEstimate(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid=estimate]')?.dataset.ready === 'true', undefined, { timeout: 20_000 })
}

export function registerTrainingChecks(env) {
  const runs = {}

  check('New run sets up a MoV run from presets, validates inline, shows its cost and round-trips YAML', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('new-run'))
    await page.getByTestId('start-run').click()
    const problems = await page.getByTestId('form-problems').innerText()
    assert(/fields? need/.test(problems), `pressing Start on an empty form says: ${problems}`)
    const model = await fieldSays(page, 'model', 'give a model folder')
    assert(model.includes('give a model folder'), `the empty model is not marked: ${model}`)

    await chooseOption(page, page.getByTestId('model-select'), 'tiny-qwen2')
    await chooseOption(page, page.getByTestId('dataset-select'), 'questions')
    await page.getByTestId('presets').getByText('MoV-10', { exact: true }).click()
    await waitForEstimate(page)
    const trainable = await page.getByTestId('estimate-trainable').innerText()
    const share = await page.getByTestId('estimate-share').innerText()
    assert(/\d/.test(trainable) && /%/.test(share), `the cost readout says ${trainable} / ${share}`)
    const mov10 = await page.getByTestId('estimate').innerText()

    // Inline validation from the schema: top-k above the number of experts.
    await setNumber(page, 'adapter.top_k', 20)
    const topK = await fieldSays(page, 'adapter.top_k', 'is more than')
    assert(topK.includes('Top-k 20 is more than the 10 experts'), `top_k 20 with 10 experts says: ${topK}`)
    await setNumber(page, 'adapter.top_k', '')
    await page.waitForFunction(() => !document.querySelector('[data-field="adapter.top_k"]')?.textContent?.includes('is more than'))

    await page.getByTestId('presets').getByText('MoV-30', { exact: true }).click()
    await page.waitForFunction((before) => document.querySelector('[data-testid=estimate]')?.dataset.ready === 'true' &&
      document.querySelector('[data-testid=estimate]')?.innerText !== before, mov10, { timeout: 20_000 })
    const mov30 = Number((await page.getByTestId('estimate').innerText()).match(/([\d,]+) exactly/)[1].replaceAll(',', ''))
    const mov10Count = Number(mov10.match(/([\d,]+) exactly/)[1].replaceAll(',', ''))
    assert(mov30 > 2 * mov10Count, `MoV-30 trains ${mov30} parameters, MoV-10 ${mov10Count}`)
    await page.getByTestId('presets').getByText('MoV-10', { exact: true }).click()

    // Steps big enough to watch, cancel and resume (a few seconds in all); eval and checkpoints along the way.
    await setNumber(page, 'train.lr', 0.01)
    await setNumber(page, 'train.batch_size', 8)
    await setNumber(page, 'train.grad_accum', 4)
    await setNumber(page, 'train.max_steps', MOV_STEPS)
    await setNumber(page, 'train.eval_every', 100)
    await setNumber(page, 'train.save_every', 5)
    await page.getByLabel('Run name').locator('input').fill('mov-e2e')
    await waitForEstimate(page)

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('yaml-save').click()])
    const saved = readFileSync(await download.path(), 'utf8')
    for (const expected of ['name: mov-e2e', 'method: mov', 'experts: 10', `max_steps: ${MOV_STEPS}`, env.files.good.path]) {
      assert(saved.includes(expected), `the saved YAML lacks "${expected}":\n${saved}`)
    }
    // Loading a file replaces the form; a bad one is refused with its line.
    const bad = join(env.files.dir, 'bad-run.yaml')
    writeFileSync(bad, saved.replace('experts: 10', 'experts: 0'))
    await page.getByTestId('yaml-file').setInputFiles(bad)
    const refusal = await page.getByTestId('yaml-problems').innerText()
    assert(/line \d+: adapter.experts/.test(refusal), `the bad YAML is refused with: ${refusal}`)
    const good = join(env.files.dir, 'run.yaml')
    writeFileSync(good, saved.replace('experts: 10', 'experts: 4'))
    await page.getByTestId('yaml-file').setInputFiles(good)
    await page.waitForFunction(() => document.querySelector('[data-field="adapter.experts"] input')?.value === '4')
    await setNumber(page, 'adapter.experts', 10)
    await waitForEstimate(page)
    await env.screenshot(page, 'new-run.png')

    await page.getByTestId('start-run').click()
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/)
    runs.mov = page.url().split('/').at(-1)
    await page.getByRole('heading', { level: 1, name: 'mov-e2e' }).waitFor()
  })

  check('the run page charts a MoV run live; Cancel stops it and Resume finishes it with an expert-load heatmap', async () => {
    const { page } = env.app()
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=loss-chart]')?.dataset.points) >= 3, undefined, { timeout: 60_000 })
    const before = await lossPoints(page)
    // One look at the page, so status, chart and ETA are seen together (each read apart could
    // straddle the run's end): the chart has grown while the run is running and shows its ETA.
    const live = await page.waitForFunction((n) => {
      const status = document.querySelector('[data-testid=run-progress]')?.dataset.status
      if (status !== 'running') return { status }
      const points = Number(document.querySelector('[data-testid=loss-chart]')?.dataset.points)
      const eta = document.querySelector('[data-testid=run-eta]')?.textContent ?? ''
      return points > n && eta.startsWith('ETA') ? { status, eta } : false
    }, before, { timeout: 30_000 }).then((handle) => handle.jsonValue())
    assertEqual(live.status, 'running', `status while the chart grows (ETA: ${live.eta ?? 'none'})`)
    // Its progress is in the window's title, for the taskbar and the tab strip.
    await page.waitForFunction(() => /^\d{1,2}% · Run · Mixture Studio$/.test(document.title), undefined, { timeout: 10_000 }).catch(async () => {
      throw new Error(`the title does not show the run's progress while it trains: "${await page.title()}"`)
    })
    // Where it trains shows while it trains, not only once it has finished.
    await page.waitForFunction(() => document.querySelector('[data-testid=run-device]')?.textContent?.trim() === 'cpu, float32', undefined, { timeout: 10_000 }).catch(async (error) => {
      const shown = await page.evaluate(() => ({
        device: document.querySelector('[data-testid=run-device]')?.textContent?.trim(),
        status: document.querySelector('[data-testid=run-progress]')?.dataset.status,
        step: document.querySelector('[data-testid=run-progress]')?.dataset.step,
      }))
      throw new Error(`the Device fact did not show where the run trains while it trained (${error.message}); the page showed ${JSON.stringify(shown)}`)
    })
    await env.screenshot(page, 'run-live.png')

    await page.getByTestId('run-cancel').click({ timeout: 20_000 }).catch(async (error) => {
      const shown = await page.evaluate(() => document.querySelector('[data-testid=run-progress]')?.dataset)
      throw new Error(`Cancel could not be clicked (${error.message}); the run was ${shown?.status} at step ${shown?.step} of ${MOV_STEPS}`)
    })
    await waitForStatus(page, ['cancelled'], 30_000)
    await page.waitForFunction(() => document.title === 'Run · Mixture Studio', undefined, { timeout: 10_000 }).catch(async () => {
      throw new Error(`the title still shows progress once the run was cancelled: "${await page.title()}"`)
    })
    const stoppedAt = Number(await page.getByTestId('run-progress').getAttribute('data-step'))
    assert(stoppedAt > 0 && stoppedAt < MOV_STEPS, `cancelled at step ${stoppedAt}`)

    await page.getByTestId('run-resume').click()
    await waitForStatus(page, ['completed', 'failed'])
    assertEqual(await runStatus(page), 'completed', `status after resume (log: ${await page.getByTestId('run-log').innerText()})`)
    assertEqual(await page.getByTestId('run-progress').getAttribute('data-step'), String(MOV_STEPS), 'last step')
    const log = await page.getByTestId('run-log').innerText()
    assert(log.includes('resuming from'), `the log does not say it resumed:\n${log}`)
    assert((await page.getByTestId('run-trainable').innerText()).includes('% of the base model'), 'the trainable share is missing')
    // The log and the training time (both segments) are stored with the run: a fresh window shows them.
    // (A second window, so this one keeps the New run form the next check starts from.)
    const fresh = await openApp(page.context().browser(), env.server)
    try {
      await fresh.page.goto(`${env.server.pageUrl}#/runs/${runs.mov}`)
      await waitForStatus(fresh.page, ['completed'], 30_000)
      await fresh.page.waitForFunction(() => document.querySelector('[data-testid=run-log]')?.textContent?.includes('run completed'), undefined, { timeout: 10_000 })
      const storedLog = await fresh.page.getByTestId('run-log').innerText()
      for (const line of ['run started', 'run cancelled', 'resuming from', 'run completed']) assert(storedLog.includes(line), `the stored log lacks "${line}":\n${storedLog}`)
      const facts = await fresh.page.getByTestId('run-facts').innerText()
      assert(/trained \d/.test(facts), `the facts do not say how long the run trained:\n${facts}`)
      assertEqual(await fresh.page.getByTestId('run-device').innerText(), 'cpu, float32', 'where the run trained')
    } finally {
      await fresh.context.close()
    }

    const panel = page.getByTestId('router-panel')
    await panel.waitFor()
    assert(Number(await panel.getAttribute('data-steps')) >= 3, 'router statistics at fewer than 3 steps')
    await page.getByTestId('expert-load-heatmap').locator('canvas').first().waitFor()
    await env.screenshot(page, 'run-mixture-heatmap.png')
  })

  check('a LoRA run from the LoRA r16 preset trains to the end, charting its accuracy on an eval set and answering a prompt at each eval step', async () => {
    const { page } = env.app()
    const choices = join(env.files.dir, 'which-word.jsonl')
    const words = ['abc', 'bca', 'cab', 'dde']
    writeFileSync(choices, words.map((w, i) => JSON.stringify({ prompt: `copy ${w}`, choices: [` ${w}`, ` ${words[(i + 1) % 4]}`], answer: 0 })).join('\n') + '\n')
    await goTo(page, pageFor('new-run'))
    await page.getByTestId('presets').getByText('LoRA r16', { exact: true }).click()
    await setNumber(page, 'train.max_steps', 60)
    await setNumber(page, 'train.eval_every', 20)
    await page.getByLabel('Run name').locator('input').fill('lora-e2e')
    // Add a file opens web mode's browser of the server's folders; a path typed there is chosen as typed. The set is named after it.
    await page.getByTestId('eval-add-file').click()
    await page.getByTestId('path-browser-path').locator('input').fill(choices)
    await page.getByTestId('path-browser-choose').click()
    assertEqual(await page.getByLabel('File of eval set 1').inputValue(), choices, 'the eval set\'s file after Choose')
    assertEqual(await page.getByLabel('Name of eval set 1').inputValue(), 'which-word', 'the eval set is named after its file')
    await page.getByTestId('eval-add-prompt').click()
    await page.getByLabel('Eval prompt 1', { exact: true }).fill('copy abc')
    await waitForEstimate(page)
    await page.getByTestId('start-run').click()
    await page.waitForURL(/#\/runs\/[0-9a-f-]{36}$/)
    runs.lora = page.url().split('/').at(-1)
    await waitForStatus(page, ['completed', 'failed'])
    assertEqual(await runStatus(page), 'completed', `LoRA status (log: ${await page.getByTestId('run-log').innerText()})`)
    assertEqual(await page.getByTestId('routing-card').count(), 0, 'a LoRA run shows expert routing')
    // Steps 0, 20, 40 and 60: an accuracy point and an answer row each.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=accuracy-chart]')?.dataset.points) === 4, undefined, { timeout: 10_000 })
    const answerSteps = await page.getByTestId('run-answers').locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-step')))
    assertEqual(answerSteps.join(','), '60,40,20,0', 'the answers table rows (newest first)')
    const header = await page.getByTestId('run-answers').locator('thead').innerText()
    assert(header.includes('copy abc'), `the answers table's header names the prompt: ${header}`)
  })

  check('Runs lists both runs with their figures, filters them and compares two', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('runs'))
    const mov = page.locator('tr[data-run="mov-e2e"]')
    await mov.waitFor()
    await page.waitForFunction(() => /\d\.\d{4}/.test(document.querySelector('tr[data-run="mov-e2e"]')?.textContent ?? ''))
    const movRow = await mov.innerText()
    for (const expected of ['completed', 'MoV', 'tiny-qwen2', 'questions']) assert(movRow.includes(expected), `the MoV row lacks "${expected}": ${movRow}`)
    await chooseOption(page, page.getByLabel('Method'), /^LoRA$/)
    await page.locator('tr[data-run="mov-e2e"]').waitFor({ state: 'detached' })
    assertEqual(await page.locator('tr[data-run]').count(), 1, 'rows when filtered to LoRA')
    await page.getByLabel('Method').hover()
    await page.getByLabel('Method').locator('.n-base-clear').click()
    await mov.waitFor()
    await mov.locator('.n-checkbox').click()
    await page.locator('tr[data-run="lora-e2e"] .n-checkbox').click()
    await env.screenshot(page, 'runs.png')

    await page.getByTestId('compare-runs').click()
    await page.getByRole('heading', { level: 1, name: 'Compare runs' }).waitFor()
    await page.getByTestId('config-diff').waitFor()
    const method = await page.locator('[data-testid=config-diff] tr[data-path="adapter.method"]').innerText()
    assert(method.includes('mov') && method.includes('lora'), `the method row says: ${method}`)
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=compare-loss]')?.dataset.points) >= 180)
    await page.getByTestId('compare-axis').getByText('By tokens seen').click()
    // Every step logged its token count, so every point has a place on the tokens axis.
    await page.waitForFunction(() => {
      const chart = document.querySelector('[data-testid=compare-loss]')
      return chart?.dataset.x === 'tokens seen' && Number(chart.dataset.points) >= 180
    })
    await page.getByTestId('compare-loss').locator('canvas').first().waitFor()
    await env.screenshot(page, 'compare.png')

    // The noisy curves' smoothing: arrow keys move the slider, and the value it rests on is a
    // setting a reload keeps.
    const smoothing = page.getByTestId('curve-smoothing')
    assertEqual(await smoothing.getAttribute('data-value'), '0.6', 'the default smoothing')
    const saved = page.waitForResponse((response) => response.url().endsWith('/api/settingsSet') && response.ok())
    await smoothing.getByRole('slider').focus()
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft')
    await page.waitForFunction(() => document.querySelector('[data-testid=curve-smoothing]')?.textContent?.includes('0.50'), undefined, { timeout: 5_000 })
      .catch(async () => assertEqual(await smoothing.innerText(), 'Smoothing 0.50', 'the smoothing after ten steps left'))
    await saved
    await page.reload()
    await page.waitForFunction(() => document.querySelector('[data-testid=curve-smoothing]')?.textContent?.includes('0.50'), undefined, { timeout: 10_000 })
  })

  check('Export writes the MoV adapter in the native format and as an ONNX model, listing the files', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/runs/${runs.mov}`)
    await page.getByTestId('run-export').click()
    const dialog = page.getByTestId('export-dialog')
    await dialog.waitFor()
    assert(await dialog.getByText('PEFT', { exact: true }).locator('xpath=ancestor::label').first().evaluate((el) => el.className.includes('disabled')), 'PEFT is offered for a mixture')
    const out = join(env.files.dir, 'exported-mov')
    await dialog.getByLabel('Destination folder').locator('input').fill(out)
    await page.getByTestId('export-run').click()
    const result = await page.getByTestId('export-result').innerText()
    for (const expected of ['adapter_config.json', 'adapter_model.safetensors', out]) assert(result.includes(expected), `the export result lacks "${expected}":\n${result}`)
    await env.screenshot(page, 'export.png')
    // The one way out for a mixture: an ONNX model with the adapter (routers included) built in.
    await dialog.getByText('ONNX model', { exact: true }).click()
    await dialog.getByLabel('Destination folder').locator('input').fill(join(env.files.dir, 'exported-mov-onnx'))
    await page.getByTestId('export-run').click()
    await page.waitForFunction(() => document.querySelector('[data-testid=export-result]')?.textContent?.includes('model.onnx.data'), undefined, { timeout: 30_000 })
    const onnx = await page.getByTestId('export-result').innerText()
    for (const expected of ['model.onnx', 'decoder_step.onnx', 'model.onnx.data', 'tokenizer.json', 'README.md']) assert(onnx.includes(expected), `the ONNX export result lacks "${expected}":\n${onnx}`)
    await page.keyboard.press('Escape')
  })

  check('the Playground answers one prompt with the base model and with the LoRA adapter', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('playground'))
    await chooseOption(page, page.getByTestId('playground-run'), 'lora-e2e')
    await page.waitForFunction(() => document.querySelector('[data-testid=playground-model]')?.textContent?.includes('tiny-qwen2'))
    await page.getByTestId('playground-prompt').locator('textarea').fill('what is the sea like on day 3?')
    await page.getByTestId('playground-generate').click()
    await page.getByTestId('answer-adapted').waitFor({ timeout: 60_000 })
    const base = await page.getByTestId('answer-base').innerText()
    const adapted = await page.getByTestId('answer-adapted').innerText()
    assert(base.includes('Base model') && adapted.includes('LoRA adapter'), `answer cards say:\n${base}\n---\n${adapted}`)
    assert(/\d+ tokens/.test(base) && /\d+ tokens/.test(adapted), 'token counts are missing')
    // The e2e machine has no GPU: auto (or the CPU default Settings saved) generates on the CPU.
    const device = (await page.getByTestId('playground-device').innerText()).trim()
    assert(device === 'Generated on cpu, float32', `the Playground's device line says: ${device}`)
    await env.screenshot(page, 'playground.png')
  })

  check('Runs deletes a run after asking', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('runs'))
    const row = page.locator('tr[data-run="lora-e2e"]')
    await row.getByRole('button', { name: 'Delete' }).click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Delete' }).click()
    await row.waitFor({ state: 'detached' })
    await page.locator('tr[data-run="mov-e2e"]').waitFor()
  })
}
