// Models page: add a generated tiny model folder, see its facts, refuse a folder that is not a model, remove.
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
  check('Models removes a model after asking, leaving its folder', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('models'))
    const row = page.locator('tr[data-model="tiny-qwen2"]')
    await row.getByRole('button', { name: 'Remove' }).click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Remove' }).click()
    await row.waitFor({ state: 'detached' })
    await page.getByTestId('models-empty').waitFor()
  })
}
