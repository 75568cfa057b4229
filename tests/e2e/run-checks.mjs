// New run's checks before Start, in a browser: a YAML naming a training file that is not there, an
// adapter of another method to start from, a max length past the model's context and a device this
// machine lacks shows each problem beside its field before Start is pressed; a run whose estimate
// is more than the machine's free memory shows the warning under Device; the Device select greys
// out unavailable devices with their reason. Screenshots at 1280×800 and 1024×700, light and dark.
// Runs alone: node tests/e2e/run-checks.mjs (after npm run build).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import { openApp } from './app.mjs'
import { cli, repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { assert, check } from './runner.mjs'

/** A model, a LoRA adapter of it, a T5 model (no context limit) and a training file, registered where the form lists them. */
async function prepareFiles(dir) {
  const { writeTinyModel } = await tsImport(join(repoRoot, 'tests/helpers/tiny-models.ts'), import.meta.url)
  const { writeRandomAdapter } = await tsImport(join(repoRoot, 'tests/unit/export/support.ts'), import.meta.url)
  const { openModel } = await tsImport(join(repoRoot, 'main/models/index.ts'), import.meta.url)
  const modelDir = join(dir, 'tiny-qwen2')
  writeTinyModel(modelDir, 'qwen2')
  const t5Dir = join(dir, 'tiny-t5')
  writeTinyModel(t5Dir, 't5')
  const adapterDir = join(dir, 'lora-adapter')
  writeRandomAdapter(adapterDir, openModel(modelDir), { method: 'lora', rank: 2 })
  const train = join(dir, 'train.jsonl')
  writeFileSync(train, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `copy ${i}`, completion: ` ${i}` })).join('\n') + '\n')
  return { dir, modelDir, t5Dir, adapterDir, train }
}

/** Loads a YAML into New run through its file input, as Load YAML does. */
async function loadYaml(page, text) {
  await page.getByTestId('yaml-file').setInputFiles({ name: 'run.yaml', mimeType: 'application/yaml', buffer: Buffer.from(text) })
}

/** The text shown beside the field `path` (its form item). */
async function fieldText(page, path) {
  return (await page.locator(`[data-field="${path}"]`).first().innerText()).replace(/\s+/g, ' ')
}

/**
 * The window as a user sees it at width × height, scrolled to each field in turn (env.screenshot
 * takes the whole page at 1280 px): `<name>-<width>-<field>.png`.
 */
async function windowShots(env, page, name, fields) {
  for (const [width, height] of [[1280, 800], [1024, 700]]) {
    await page.setViewportSize({ width, height })
    for (const field of fields) {
      await page.locator(`[data-field="${field}"]`).first().scrollIntoViewIfNeeded()
      await page.screenshot({ path: join(env.resultsDir, `${name}-${width}-${field.replace(/\./g, '-')}.png`), animations: 'disabled' })
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

async function waitForText(page, path, text) {
  await page.locator(`[data-field="${path}"]`, { hasText: text }).first().waitFor({ timeout: 15_000 })
}

export function registerRunCheckChecks(env) {
  check('New run shows each check beside its field before Start, and greys out unavailable devices', async () => {
    const { home } = env.server
    const files = env.files
    cli(home, ['models', 'import', files.modelDir, '--name', 'tiny-qwen2', '--json'])
    cli(home, ['models', 'import', files.t5Dir, '--name', 'tiny-t5', '--json'])
    // The page is signed in (a cookie): the System page's own answer, asked from it.
    const system = await env.app().page.evaluate(() => fetch('/api/systemInfo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then((r) => r.json()))
    const missingDevice = system.providers.find((p) => !p.available && ['cuda', 'webgpu', 'dml'].includes(p.name))
    assert(missingDevice, 'every device is available here: nothing for the Device check to refuse')
    const missingFile = join(files.dir, 'nowhere.jsonl')

    for (const colorScheme of ['light', 'dark']) {
      const { page, context } = await openApp(env.browser(), env.server, { colorScheme })
      await page.goto(`${env.server.origin}/#/new-run`)
      await page.getByRole('heading', { level: 1, name: 'New run', exact: true }).waitFor()
      await loadYaml(page, [
        `model: ${files.modelDir}`,
        `data: { train: ${missingFile}, max_length: 4096 }`,
        `adapter: { method: mov, experts: 2, init: ${files.adapterDir} }`,
        'train: { max_steps: 5 }',
        `device: ${missingDevice.name}`,
      ].join('\n') + '\n')
      await waitForText(page, 'data.train', 'no such file')
      const dataset = await fieldText(page, 'data.train')
      assert(dataset.includes(`The training file ${missingFile}: no such file`), `under Dataset: ${dataset}`)
      await waitForText(page, 'adapter.init', 'LoRA adapter')
      const init = await fieldText(page, 'adapter.init')
      assert(init.includes('It is a LoRA adapter; a MoV run cannot start from it'), `under Start from adapter: ${init}`)
      const maxLength = await fieldText(page, 'data.max_length')
      assert(/Max length 4096 is more than this model's context of \d+ tokens/.test(maxLength), `under Max length: ${maxLength}`)
      const device = await fieldText(page, 'device')
      assert(device.includes(`${missingDevice.name} is not available on this machine`), `under Device: ${device}`)
      assert(!(await page.getByText('fields need attention').isVisible()), 'the count of problems shows before Start was pressed')
      await env.screenshot(page, `new-run-checks-${colorScheme}.png`)
      await windowShots(env, page, `new-run-checks-${colorScheme}`, ['data.train', 'data.max_length', 'adapter.init', 'device'])

      // The Device select: the unavailable device greyed out, its reason beside it.
      await page.locator('[data-field="device"] .n-base-selection').click()
      const option = page.locator('.unavailable-choice', { hasText: missingDevice.reason.split(';')[0] }).locator('.n-base-select-option--disabled')
      await option.first().waitFor({ timeout: 5_000 })
      await env.screenshot(page, `new-run-device-options-${colorScheme}.png`)
      await page.keyboard.press('Escape')

      // Start refuses the same, beside the same fields, and no run is created.
      await page.getByTestId('start-run').click()
      await page.getByText('fields need attention').waitFor()
      assert(!(await page.getByTestId('start-error').isVisible()), 'Start\'s refusal repeats in an alert what the fields show')
      const runs = cli(home, ['runs', 'list', '--json']).flat()
      assert(runs.length === 0, `a run was created: ${JSON.stringify(runs)}`)

      // Memory: a T5 model (no context limit) with a million tokens a row, on the CPU.
      await loadYaml(page, [
        `model: ${files.t5Dir}`,
        `data: { train: ${files.train}, max_length: 1048576 }`,
        'adapter: { method: ia3 }',
        'train: { max_steps: 5 }',
        'device: cpu',
      ].join('\n') + '\n')
      await waitForText(page, 'device', 'This run needs about')
      const warning = await fieldText(page, 'device')
      assert(/This run needs about [\d.]+ TiB; this machine has [\d.]+ (GiB|MiB) free/.test(warning), `under Device: ${warning}`)
      assert(await page.locator('[data-field="device"] .n-form-item-feedback--warning').isVisible(), 'the memory note is not in the warning colour')
      await windowShots(env, page, `new-run-memory-${colorScheme}`, ['device'])
      await context.close()
    }
  })
}

if (runDirectly(import.meta.url)) {
  await runAlone({
    prepare: async (dir) => ({ env: { files: await prepareFiles(dir) } }),
    register: registerRunCheckChecks,
  })
}
