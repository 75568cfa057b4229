// System → Storage: the data folder by part, every quantized copy with its standing, Delete unused
// (which keeps a copy runs use), a copy deleted by its own button, and a Hugging Face cache repo
// nothing here uses, deleted.
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

  check('System → Storage lists the Hugging Face cache\'s repos and deletes one nothing here uses', async () => {
    const { page } = env.app()
    // A repo another tool left in the cache (the Hub checks after this one download into it too).
    const repo = join(env.hubCacheDir, 'models--other--leftover')
    mkdirSync(join(repo, 'blobs'), { recursive: true })
    writeFileSync(join(repo, 'blobs', '0123abcd'), Buffer.alloc(20_000))
    await page.getByRole('button', { name: 'Refresh' }).click()
    const card = page.getByTestId('storage-card')
    const row = card.getByTestId('storage-hub-repos').locator('tr[data-repo="other/leftover"]')
    await row.waitFor()
    const text = await row.innerText()
    assert(text.includes('19.5 KiB') && text.includes('nothing here'), `the cache repo's row reads: ${text}`)
    await row.scrollIntoViewIfNeeded()
    await env.screenshot(page, 'system-storage-hub.png')
    await row.getByRole('button', { name: 'Delete' }).click()
    await page.locator('.n-popconfirm').getByRole('button', { name: 'Delete' }).click()
    const notice = card.getByTestId('storage-hub-deleted')
    await notice.waitFor()
    assert((await notice.innerText()).includes('Deleted other/leftover from the Hugging Face cache: 19.5 KiB freed'), `after the deletion the card says: ${await notice.innerText()}`)
    await row.waitFor({ state: 'detached' })
    assert(!existsSync(repo), `${repo} is still there`)
  })
}
