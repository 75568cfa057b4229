// Models page: add a generated tiny model folder, see its facts, refuse a folder that is not a model, remove.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import { goTo, pageFor } from './app.mjs'
import { assert, check } from './runner.mjs'

export function registerModelChecks(env) {
  check('Models adds a model folder and shows its architecture, size and chat template', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('models'))
    await page.getByTestId('models-empty').waitFor()
    await page.getByLabel('Model folder path').fill(env.files.modelDir)
    await page.getByTestId('model-import').click()
    const details = page.getByTestId('model-details')
    await details.waitFor()
    const text = await details.innerText()
    for (const expected of ['Qwen2ForCausalLM', 'float32', 'chat template yes', env.files.modelDir]) {
      assert(text.includes(expected), `the model details lack "${expected}":\n${text}`)
    }
    await env.screenshot(page, 'models-detail.png')
    await page.keyboard.press('Escape')
    await details.waitFor({ state: 'detached' })
    const row = page.locator('tr[data-model="tiny-qwen2"]')
    await row.waitFor()
    const cells = await row.innerText()
    assert(cells.includes('Qwen2ForCausalLM') && cells.includes('yes'), `the models table row says: ${cells}`)
    await env.screenshot(page, 'models-list.png')
  })

  check('Models refuses a folder that is not a model, saying why', async () => {
    const { page } = env.app()
    await page.getByLabel('Model folder path').fill(env.files.dir)
    await page.getByTestId('model-import').click()
    const error = page.getByTestId('model-import-error')
    await error.waitFor()
    const text = await error.innerText()
    assert(text.includes(env.files.dir) && text.includes('config.json'), `the refusal says: ${text}`)
    await env.screenshot(page, 'models-refused.png')
    await page.getByLabel('Model folder path').fill('')
  })
}

export function registerModelRemovalCheck(env) {
  check('Models lists a model\'s quantized copies, and removing the model deletes them, leaving its folder', async () => {
    const { page } = env.app()
    // The copy a run with model.quantize: int4 would make, made here the same way (the training checks train unquantized).
    const load = (path) => tsImport(join(env.repoRoot, path), import.meta.url)
    const { inspectModelFolder } = await load('main/models/index.ts')
    const { ensureQuantizedCopy } = await load('main/models/quantized/quantize-folder.ts')
    const copy = ensureQuantizedCopy(inspectModelFolder(env.files.modelDir), 'int4', env.server.home)
    await goTo(page, pageFor('models'))
    const row = page.locator('tr[data-model="tiny-qwen2"]')
    await row.click()
    const copies = page.getByTestId('model-quantized-copies')
    await copies.waitFor()
    const listed = await copies.innerText()
    assert(listed.includes('4-bit (int4)') && !listed.includes('not read by runs'), `the model's quantized copies read: ${listed}`)
    await env.screenshot(page, 'models-quantized-copies.png')
    await page.keyboard.press('Escape')
    await copies.waitFor({ state: 'detached' })

    await row.getByRole('button', { name: 'Remove' }).click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Remove' }).click()
    await row.waitFor({ state: 'detached' })
    await page.getByTestId('models-empty').waitFor()
    const removed = await page.getByTestId('model-removed').innerText()
    assert(removed.includes('Deleted its quantized copy') && removed.includes(`${env.files.modelDir} is untouched`), `after the removal the page says: ${removed}`)
    assert(!existsSync(copy.dir), `the int4 copy ${copy.dir} is still there`)
    assert(existsSync(join(env.files.modelDir, 'model.safetensors')), 'the model folder lost its weights')
    await env.screenshot(page, 'models-removed.png')
    await page.getByTestId('model-removed').getByRole('button', { name: 'close' }).click().catch(() => {})
  })
}
