// Datasets: the import wizard on a good file (mapping changed, split, tokens from a model) and
// on a broken one (line-numbered problems, stop then skip), the detail page and the list.
import { existsSync } from 'node:fs'
import { chooseOption, goTo, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

async function openWizard(page) {
  await goTo(page, pageFor('datasets'))
  await page.getByTestId('import-dataset').click()
  await page.getByRole('heading', { level: 1, name: 'Import a dataset' }).waitFor()
}

async function wizardStep(page, step) {
  await page.locator(`.wizard[data-step="${step}"]`).waitFor()
}

async function next(page, step) {
  await page.getByTestId('wizard-next').click()
  await wizardStep(page, step)
}

export function registerDatasetChecks(env) {
  check('Datasets explains what to do when there are none', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('datasets'))
    const text = await page.getByTestId('datasets-empty').innerText()
    assert(text.includes('No datasets imported yet'), `empty state says: ${text}`)
  })

  check('the wizard refuses a file that does not exist, naming it', async () => {
    const { page } = env.app()
    await openWizard(page)
    const missing = `${env.files.dir}/missing.jsonl`
    await page.getByLabel('Data file path').fill(missing)
    await page.getByTestId('wizard-next').click()
    const error = await page.getByTestId('scan-error').innerText()
    assert(error.includes(missing), `the error does not name the file: ${error}`)
    await wizardStep(page, 'file')
    await env.screenshot(page, 'datasets-wizard-missing.png')
  })

  check('the wizard imports a good file with a changed mapping, tokens from a model and a seeded split', async () => {
    const { page } = env.app()
    const { good } = env.files
    await page.getByLabel('Data file path').fill(good.path)
    await page.getByLabel('Dataset name').fill('questions')
    await env.screenshot(page, 'datasets-wizard-file.png')
    await next(page, 'mapping')

    const formatText = await page.getByTestId('format-select').innerText()
    assert(formatText.includes('Prompt and completion'), `detected format shown as: ${formatText}`)
    const completion = page.locator('[data-field="completion"]')
    assertEqual((await completion.innerText()).trim(), 'answer', 'detected completion column')
    await chooseOption(page, completion, /^short_answer$/)
    await page.waitForFunction(() => document.querySelector('[data-field="completion"]')?.textContent?.trim() === 'short_answer')
    await env.screenshot(page, 'datasets-wizard-mapping.png')

    await next(page, 'validation')
    const summary = await page.getByTestId('validation-summary').innerText()
    assert(summary.includes('No problems found') && summary.includes('all 40 rows'), `validation says: ${summary}`)
    await env.screenshot(page, 'datasets-wizard-validation.png')

    await next(page, 'preview')
    const firstText = page.getByTestId('text-view').first()
    await firstText.waitFor()
    const trained = await firstText.locator('.trained').allInnerTexts()
    assert(trained.join('').includes(good.rows[0].short_answer), `trained text is not the remapped short answer: ${trained.join(' | ')}`)
    assert(!trained.join('').includes(good.rows[0].question), `the prompt is marked trained: ${trained.join(' | ')}`)
    await env.screenshot(page, 'datasets-wizard-preview-text.png')
    await chooseOption(page, page.getByTestId('preview-model'), 'tiny-qwen2')
    const tokens = page.getByTestId('token-view').first()
    await tokens.waitFor()
    assert((await tokens.locator('.token.trained').count()) > 0, 'no trained tokens shown')
    assert((await tokens.locator('.token.masked').count()) > 0, 'no masked tokens shown')
    await env.screenshot(page, 'datasets-wizard-preview.png')

    await next(page, 'split')
    await page.getByTestId('split-kind').getByText('A share').click()
    await page.getByTestId('split-percent').locator('input').fill('10')
    await page.getByTestId('split-percent').locator('input').blur()
    const estimate = await page.getByTestId('split-estimate').innerText()
    assert(estimate.includes('36 examples to train on, 4 held out'), `split estimate says: ${estimate}`)
    await env.screenshot(page, 'datasets-wizard-split.png')

    await page.getByTestId('wizard-import').click()
    await page.getByRole('heading', { level: 1, name: 'questions' }).waitFor()
    assert(/#\/datasets\/[0-9a-f-]{36}$/.test(page.url()), `address after import: ${page.url()}`)
    const counts = await page.getByTestId('dataset-counts').innerText()
    for (const [label, value] of [['Examples', '40'], ['Train', '36'], ['Validation', '4']]) {
      assert(new RegExp(`${label}\\s+${value}\\b`).test(counts), `counts lack ${label} ${value}:\n${counts}`)
    }
    const mapping = await page.getByTestId('dataset-mapping').innerText()
    assert(/completion\s+←\s+short_answer/.test(mapping), `stored mapping: ${mapping}`)
    await page.locator('canvas').first().waitFor()
    await env.screenshot(page, 'dataset-detail.png')
  })

  check('the wizard lists a broken file\'s bad rows by line; stop imports nothing, skip imports the rest', async () => {
    const { page } = env.app()
    const { broken } = env.files
    await openWizard(page)
    await page.getByLabel('Data file path').fill(broken.path)
    await next(page, 'mapping')
    await next(page, 'validation')
    const summary = await page.getByTestId('validation-summary').innerText()
    assert(summary.includes('3 bad rows found'), `validation says: ${summary}`)
    const problems = await page.getByTestId('problems-list').innerText()
    for (const line of broken.badLines) {
      assert(problems.includes(`${broken.path}:${line}`), `problems lack ${broken.path}:${line}:\n${problems}`)
    }
    assert(problems.includes('completion'), `the missing completion is not named:\n${problems}`)
    await env.screenshot(page, 'datasets-wizard-errors.png')

    await next(page, 'preview')
    await next(page, 'split')
    const warning = await page.getByTestId('stop-warning').innerText()
    assert(warning.includes('stop at line 3'), `the split step does not warn of the stop: ${warning}`)
    await page.getByTestId('wizard-import').click()
    const error = await page.getByTestId('import-error').innerText()
    assert(error.includes(`${broken.path}:3:`) && error.includes('import stopped'), `the stopped import says: ${error}`)
    await env.screenshot(page, 'datasets-wizard-stopped.png')

    await page.getByRole('button', { name: 'Skip bad rows and import' }).click()
    await page.getByRole('heading', { level: 1, name: 'broken.jsonl' }).waitFor()
    const counts = await page.getByTestId('dataset-counts').innerText()
    assert(/Examples\s+6\b/.test(counts) && /Bad rows skipped\s+3\b/.test(counts), `counts:\n${counts}`)
    const listed = await page.getByTestId('dataset-problems').innerText()
    for (const line of broken.badLines) assert(listed.includes(`${broken.path}:${line}`), `detail lacks line ${line}:\n${listed}`)
    await env.screenshot(page, 'dataset-detail-problems.png')
  })

  check('Datasets lists both imports with train, validation and bad rows', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('datasets'))
    const good = await page.locator('tr[data-dataset="questions"]').innerText()
    assert(/36\s+4\s+none/.test(good), `the questions row says: ${good}`)
    const broken = await page.locator('tr[data-dataset="broken.jsonl"]').innerText()
    assert(/6\s+0\s+3 skipped/.test(broken), `the broken.jsonl row says: ${broken}`)
    await env.screenshot(page, 'datasets-list.png')
    await page.locator('tr[data-dataset="questions"]').click()
    await page.getByRole('heading', { level: 1, name: 'questions' }).waitFor()
  })

  check('the wizard says a file is imported already; a dataset is renamed, then deleted with its file left alone', async () => {
    const { page } = env.app()
    const { broken } = env.files
    await openWizard(page)
    await page.getByLabel('Data file path').fill(broken.path)
    await next(page, 'mapping')
    const flagged = await page.getByTestId('imported-already').innerText()
    assert(flagged.includes('This file is already imported as broken.jsonl on'), `the wizard says: ${flagged}`)
    await env.screenshot(page, 'datasets-wizard-imported-already.png')
    await page.getByRole('button', { name: 'Start over' }).click()

    await goTo(page, pageFor('datasets'))
    await page.locator('tr[data-dataset="broken.jsonl"]').click()
    await page.getByRole('heading', { level: 1, name: 'broken.jsonl' }).waitFor()
    await page.getByTestId('rename-dataset').click()
    await page.getByLabel('Dataset name').fill('broken rows')
    await page.getByLabel('Dataset name').press('Enter')
    await page.getByRole('heading', { level: 1, name: 'broken rows' }).waitFor()

    await page.getByTestId('delete-dataset').click()
    const warning = await page.getByTestId('delete-dataset-warning').innerText()
    assert(warning.includes(`your file ${broken.path} stays where it is`), `the delete confirmation says: ${warning}`)
    await env.screenshot(page, 'dataset-delete-confirm.png')
    await page.getByRole('button', { name: 'Delete', exact: true }).last().click()
    await page.getByRole('heading', { level: 1, name: 'Datasets' }).waitFor()
    await page.locator('tr[data-dataset="questions"]').waitFor()
    assertEqual(await page.locator('tr[data-dataset="broken rows"]').count(), 0, 'rows of the deleted dataset')
    assert(existsSync(broken.path), `deleting the dataset removed its file ${broken.path}`)
  })

  check('Train on this opens New run with the dataset chosen', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('datasets'))
    await page.locator('tr[data-dataset="questions"]').click()
    await page.getByTestId('train-on-dataset').click()
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor()
    const chosen = await page.getByTestId('dataset-select').innerText()
    assert(chosen.includes('questions'), `the Dataset select shows: ${chosen}`)
  })
}
