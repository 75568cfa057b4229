// Web mode's folder browser: a browser tab cannot hand the server a path, so Browse… opens the
// page's own browser of the server's folders. The server's home here is a folder of the test's own,
// holding a tiny model, a plain folder, a dataset beside a file the filter hides, and a link leading
// out of home. Models picks the model folder (marked as a model) and adds it; the import wizard picks
// the data file and reads it; the link out is refused in words. Screenshots at 1280×800 and
// 1024×700, light and dark. Runs alone: node tests/e2e/path-browser.mjs (after npm run build).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openApp } from './app.mjs'
import { writeGoodDataset, writeTinyModelFolder } from './fixtures.mjs'
import { repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { assert, assertEqual, check } from './runner.mjs'

async function prepareHome(dir) {
  const home = join(dir, 'home')
  const modelsDir = join(home, 'models')
  mkdirSync(join(modelsDir, 'notes'), { recursive: true })
  const modelDir = await writeTinyModelFolder(modelsDir, repoRoot)
  const dataDir = join(home, 'data')
  mkdirSync(dataDir)
  const dataset = writeGoodDataset(dataDir)
  writeFileSync(join(dataDir, 'readme.md'), '# where the questions came from\n')
  // Paths relative to its own folder, as `train --config` reads them: Load YAML must start them there.
  mkdirSync(join(home, 'runs'))
  writeFileSync(join(home, 'runs', 'run.yaml'), 'model: ../models/tiny-qwen2\ndata: { train: ../data/questions.jsonl }\nadapter: { method: lora }\n')
  const elsewhere = join(dir, 'elsewhere')
  mkdirSync(elsewhere)
  symlinkSync(elsewhere, join(home, 'escape'))
  return { home, modelDir, datasetPath: dataset.path }
}

const dialog = (page) => page.getByTestId('path-browser')
const row = (page, name) => dialog(page).locator(`[role=option][data-name="${name}"]`)

async function rowNames(page) {
  return dialog(page).locator('[role=option]').evaluateAll((rows) => rows.map((r) => r.dataset.name))
}

async function crumbs(page) {
  return (await page.getByTestId('path-browser-crumbs').innerText()).replace(/\s+/g, '')
}

/** The dialog as a user sees it, at both window sizes: `path-browser-<name>-<scheme>-<width>.png`. */
async function shots(env, page, name, scheme) {
  for (const [width, height] of [[1280, 800], [1024, 700]]) {
    await page.setViewportSize({ width, height })
    await page.screenshot({ path: join(env.resultsDir, `path-browser-${name}-${scheme}-${width}.png`), animations: 'disabled' })
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

export function registerPathBrowserChecks(env) {
  check('Models: Browse… lists the server\'s home, marks the model folder, refuses a link out of home, and adds the folder chosen', async () => {
    for (const scheme of ['light', 'dark']) {
      const { page, context } = await openApp(env.browser(), env.server, { colorScheme: scheme })
      try {
        await page.goto(`${env.server.origin}/#/models`)
        await page.getByTestId('model-browse').waitFor()
        await shots(env, page, 'models-page', scheme)
        await page.getByTestId('model-browse').click()
        await dialog(page).waitFor()
        await row(page, 'models').waitFor()
        assertEqual(await crumbs(page), 'Home', 'the browser opens at home')
        assertEqual((await rowNames(page)).join(','), 'data,escape,models,runs', 'folders only at home (hidden ones left out)')

        await row(page, 'escape').dblclick()
        const refusal = page.getByTestId('path-browser-error')
        await refusal.waitFor()
        const words = await refusal.innerText()
        assert(words.includes('is outside the folders this browser shows') && words.includes('which leads to'), `the link out of home was not refused in words: ${words}`)
        assertEqual(await crumbs(page), 'Home', 'the refused link leaves home shown')

        await row(page, 'models').dblclick()
        await row(page, 'tiny-qwen2').waitFor()
        assertEqual(await crumbs(page), 'Home/models', 'the crumbs after opening models')
        const modelRow = await row(page, 'tiny-qwen2').innerText()
        assert(modelRow.includes('model'), `the tiny model's row is not marked as a model: ${modelRow}`)
        assert(!(await row(page, 'notes').innerText()).includes('model'), 'a plain folder is marked as a model')
        await row(page, 'tiny-qwen2').click()
        assertEqual(await page.getByTestId('path-browser-path').locator('input').inputValue(), env.files.modelDir, 'the path field after clicking the model')
        await shots(env, page, 'model', scheme)
        await page.getByTestId('path-browser-choose').click()
        await dialog(page).waitFor({ state: 'hidden' })
        assertEqual(await page.getByLabel('Model folder path').inputValue(), env.files.modelDir, 'the model folder field after Choose')
        if (scheme === 'light') {
          await page.getByTestId('model-import').click()
          const details = await page.getByTestId('model-details').innerText()
          assert(details.includes('Qwen2ForCausalLM'), `the chosen folder was not added as a model: ${details}`)
        }
      } finally {
        await context.close()
      }
    }
  })

  check('Datasets: Browse… lists only data files until the filter is switched off, and the wizard reads the file chosen', async () => {
    for (const scheme of ['light', 'dark']) {
      const { page, context } = await openApp(env.browser(), env.server, { colorScheme: scheme })
      try {
        await page.goto(`${env.server.origin}/#/datasets`)
        await page.getByTestId('import-dataset').click()
        await page.getByTestId('data-browse').waitFor()
        await shots(env, page, 'wizard-page', scheme)
        await page.getByTestId('data-browse').click()
        await row(page, 'data').waitFor()
        const list = page.getByTestId('path-browser-list')
        // The keyboard: down to data (the first row), Enter opens it.
        await list.focus()
        await page.keyboard.press('ArrowDown')
        await page.keyboard.press('Enter')
        await row(page, 'questions.jsonl').waitFor()
        assertEqual((await rowNames(page)).join(','), 'questions.jsonl', 'the data folder, filtered to data files')
        await page.getByTestId('path-browser-filter').click()
        await row(page, 'readme.md').waitFor()
        await page.getByTestId('path-browser-filter').click()
        await row(page, 'readme.md').waitFor({ state: 'detached' })
        await row(page, 'questions.jsonl').click()
        await shots(env, page, 'data-file', scheme)
        await row(page, 'questions.jsonl').dblclick()
        await dialog(page).waitFor({ state: 'hidden' })
        assertEqual(await page.getByLabel('Data file path').inputValue(), env.files.datasetPath, 'the data file field after a double click')
        await page.getByTestId('wizard-next').click()
        await page.locator('.wizard[data-step="mapping"]').waitFor()
      } finally {
        await context.close()
      }
    }
  })
}

// Runs' Import cluster job…: the job folder is chosen with the same browser (folders only), and a
// folder that is no job is refused in the dialog, which keeps what was chosen to correct it.
export function registerImportJobCheck(env) {
  check('Runs: Import cluster job… chooses the job folder in the browser, and a folder without job.json is refused in the dialog, the fields kept', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/runs`)
    await page.getByTestId('import-job').click()
    await page.getByTestId('import-job-dialog').waitFor()
    await page.getByTestId('import-job-folder-browse').click()
    // It opens where the last path was chosen (the checks before this one chose some): from home.
    await page.getByTestId('path-browser-root-home').click()
    await row(page, 'models').dblclick()
    await row(page, 'notes').waitFor()
    assertEqual((await rowNames(page)).join(','), 'notes,tiny-qwen2', 'folders only in the job folder browser')
    await row(page, 'notes').dblclick()
    await page.getByTestId('path-browser-choose').click()
    await dialog(page).waitFor({ state: 'hidden' })
    const notes = join(env.files.home, 'models', 'notes')
    assertEqual(await page.getByTestId('import-job-folder').locator('input').inputValue(), notes, 'the job folder after Choose')
    assertEqual(await page.getByTestId('import-job-out').locator('input').getAttribute('placeholder'), `${notes}/out`, 'the outputs folder offered by default')
    await page.getByTestId('import-job-run').click()
    const refusal = page.getByTestId('import-job-error')
    await refusal.waitFor()
    const words = await refusal.innerText()
    assert(words.includes(join(notes, 'job.json')) && words.includes('--format torchrun'), `the folder without job.json was not refused in words: ${words}`)
    await shots(env, page, 'import-job-refused', 'light')
    assertEqual(await page.getByTestId('import-job-folder').locator('input').inputValue(), notes, 'the job folder kept after the refusal')
    assertEqual(await page.getByTestId('import-job-result').count(), 0, 'a result shown for a refused import')
  })
}

// What training.mjs does in the whole suite: a path typed into the browser is chosen as typed.
export function registerTypedPathCheck(env) {
  check('New run: a file path typed into the browser and entered is chosen (the training file), and one outside home is chosen as typed (an eval set)', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/new-run`)
    await page.getByLabel('Training data file').scrollIntoViewIfNeeded()
    await shots(env, page, 'new-run-page', 'light')
    await page.locator('[data-field="adapter.init"]').scrollIntoViewIfNeeded()
    await shots(env, page, 'new-run-adapter-init', 'light')
    await page.getByRole('button', { name: 'Choose the file to train on', exact: true }).click()
    await dialog(page).waitFor()
    await page.getByTestId('path-browser-path').locator('input').fill(env.files.datasetPath)
    await page.getByTestId('path-browser-path').locator('input').press('Enter')
    await dialog(page).waitFor({ state: 'hidden' })
    assertEqual(await page.getByLabel('Training data file').locator('input').inputValue(), env.files.datasetPath, 'the training file after Enter in the browser')
    await page.getByTestId('eval-add-file').click()
    await dialog(page).waitFor()
    const typed = '/srv/shared/which-word.jsonl'
    await page.getByTestId('path-browser-path').locator('input').fill(typed)
    await page.getByTestId('path-browser-choose').click()
    await dialog(page).waitFor({ state: 'hidden' })
    assertEqual(await page.getByLabel('File of eval set 1').inputValue(), typed, 'the eval set\'s file after Choose')
    assertEqual(await page.getByLabel('Name of eval set 1').inputValue(), 'which-word', 'the eval set is named after its file')
  })

  check('New run: Load YAML chooses a configuration in the server\'s folders, and its relative paths start from its folder', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/new-run`)
    await page.getByTestId('yaml-load').click()
    // It opens where the last file was chosen (the data folder, where no configuration is); the Home button goes back up.
    await page.getByTestId('path-browser-crumbs').getByText('data', { exact: true }).waitFor()
    await shots(env, page, 'yaml-none-here', 'light')
    await page.getByTestId('path-browser-root-home').click()
    await row(page, 'runs').dblclick()
    await row(page, 'run.yaml').dblclick()
    await dialog(page).waitFor({ state: 'hidden' })
    assertEqual(await page.getByLabel('Training data file').locator('input').inputValue(), env.files.datasetPath, 'data.train from the YAML, from its folder')
    const model = await page.locator('[data-field="model"]').innerText()
    assert(model.includes(env.files.modelDir), `the model from the YAML, from its folder, is not shown: ${model}`)
    assertEqual(await page.getByTestId('yaml-problems').count(), 0, 'problems shown after loading the YAML')
  })
}

if (runDirectly(import.meta.url)) {
  await runAlone({
    prepare: async (dir) => {
      const files = await prepareHome(dir)
      return { serverEnv: { HOME: files.home }, env: { files } }
    },
    register: (env) => {
      registerPathBrowserChecks(env)
      registerTypedPathCheck(env)
      registerImportJobCheck(env)
    },
  })
}
