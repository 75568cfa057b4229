// System → Storage: the data folder by part, every quantized copy with its standing, Delete unused
// (which keeps a copy runs use), and a copy deleted by its own button.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import { goTo, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

export function registerStorageCheck(env) {
  check('System → Storage shows the data folder by part and deletes unused quantized copies, keeping the one runs use', async () => {
    const { page } = env.app()
    const load = (path) => tsImport(join(env.repoRoot, path), import.meta.url)
    const { inspectModelFolder } = await load('main/models/index.ts')
    const { ensureQuantizedCopy } = await load('main/models/quantized/quantize-folder.ts')
    // A copy a run would read (the folder as it is now), and one an older version of the app wrote.
    const current = ensureQuantizedCopy(inspectModelFolder(env.files.modelDir), 'int4', env.server.home)
    const older = join(env.server.home, 'quantized', 'tiny-qwen2-int4-0123456789abcdef')
    mkdirSync(older, { recursive: true })
    writeFileSync(join(older, 'weights.bin'), Buffer.alloc(4096))
    writeFileSync(join(older, 'manifest.json'), JSON.stringify({ version: 1, scheme: 'int4', model: env.files.modelDir, key: 'old', bytes: 4096, tensors: {} }))

    await goTo(page, pageFor('system'))
    const card = page.getByTestId('storage-card')
    const parts = card.getByTestId('storage-parts')
    await parts.waitFor()
    const partsText = await parts.innerText()
    for (const label of ['Run store (studio.db)', 'Runs: checkpoints and adapters', 'Quantized copies of models']) {
      assert(partsText.includes(label), `the Storage card's parts lack "${label}":\n${partsText}`)
    }
    const summary = await card.getByTestId('storage-summary').innerText()
    assert(/in the data folder · [\d.]+ \w+ free of [\d.]+ \w+ on its disk/.test(summary), `the Storage card's summary says: ${summary}`)
    const rows = card.getByTestId('storage-copies').locator('tbody tr')
    assertEqual((await rows.count()), 2, 'quantized copies listed')
    assert((await card.locator('tr[data-standing=current]').innerText()).includes('Used by runs'), 'the current copy is not marked as used by runs')
    assert((await card.locator('tr[data-standing=older-app]').innerText()).includes('older version of the app'), 'the older copy does not say why it is unused')
    await card.scrollIntoViewIfNeeded()
    await env.screenshot(page, 'system-storage.png')

    await card.getByTestId('storage-delete-unused').click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Delete' }).click()
    const notice = card.getByTestId('storage-deleted')
    await notice.waitFor()
    assert((await notice.innerText()).includes('Deleted a copy'), `after Delete unused the card says: ${await notice.innerText()}`)
    await card.locator('tr[data-standing=older-app]').waitFor({ state: 'detached' })
    assert(!existsSync(older), `the older app's copy ${older} is still there`)
    assert(existsSync(current.dir), 'Delete unused deleted the copy runs use')
    assertEqual(await card.getByTestId('storage-delete-unused').count(), 0, 'Delete unused buttons once nothing is unused')

    await card.locator('tr[data-standing=current]').getByRole('button', { name: 'Delete' }).click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Delete' }).click()
    await card.locator('tr[data-standing=current]').waitFor({ state: 'detached' })
    assert(!existsSync(current.dir), `the copy ${current.dir} is still there after its Delete`)
    assert(existsSync(join(env.files.modelDir, 'model.safetensors')), 'the model folder lost its weights')
    await env.screenshot(page, 'system-storage-deleted.png')
  })
}
