// The System page's CUDA set-up, on a server of its own whose NuGet feed is a local one
// (tests/helpers/nuget-feed-server.ts, through MIXTURE_STUDIO_NUGET_FEED): the sentence about the
// device runs will use, then Install CUDA support clicked as on a machine with an NVIDIA GPU. This
// machine has none, so the page's systemInfo answer is given the `cuda` part such a machine gets
// (the offer); everything after the click is real: the cuda-install job downloads the paced package
// with its figures on the page, installs into the server's data folder, and the cuda-check job
// that follows opens a CUDA session on it, which fails here and names what is missing.
// Alone: node tests/e2e/cuda.mjs (after npm run build).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { tsImport } from 'tsx/esm/api'
import { openApp } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'
import { repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { startServer } from './server.mjs'

const sizes = [{ width: 1280, height: 800 }, { width: 1024, height: 700 }]

async function startFeed() {
  const { startNugetFeed } = await tsImport(join(repoRoot, 'tests/helpers/nuget-feed-server.ts'), import.meta.url)
  const { onnxruntimeVersion } = await tsImport(join(repoRoot, 'main/runtime/cuda-runtime-folder.ts'), import.meta.url)
  const version = onnxruntimeVersion()
  // 600 KB at 4 KB every 20 ms: about three seconds, so the figures are on the page to be seen.
  const feed = await startNugetFeed({ version, paceMs: 20, paddingBytes: 600_000 })
  return { feed, version }
}

/** Answers systemInfo as on a machine with an NVIDIA GPU and no CUDA support installed yet. */
async function asIfNvidia(page, folder) {
  await page.route('**/api/systemInfo', async (route) => {
    const response = await route.fetch()
    const info = await response.json()
    if (info.cuda.state === 'no-nvidia-gpu') {
      info.cuda = {
        ...info.cuda, state: 'not-installed', offered: true, driver: '550.54.14',
        detail: `An NVIDIA GPU is here, but onnxruntime's CUDA provider is not installed. Install CUDA support downloads it (a few hundred MB) from NuGet into ${folder}.`,
      }
    }
    await route.fulfill({ response, json: info })
  })
}

async function openSystem(browser, server, options = {}) {
  const app = await openApp(browser, server, options)
  await app.page.goto(`${server.origin}/#/system`)
  await app.page.getByTestId('auto-device').waitFor()
  return app
}

export function registerCudaChecks(env) {
  let server = null
  let feed = null
  let version = null
  const fresh = async () => {
    if (server) return server
    ;({ feed, version } = await startFeed())
    server = await startServer(repoRoot, { MIXTURE_STUDIO_NUGET_FEED: feed.indexUrl })
    return server
  }

  check('the Execution providers card opens with the device runs will use and why; no CUDA offer without an NVIDIA GPU', async () => {
    const { context, page } = await openSystem(env.browser(), await fresh())
    try {
      const sentence = await page.getByTestId('auto-device').textContent()
      assert(/^Runs will train on /.test(sentence), `the sentence at the top of the card: ${sentence}`)
      if (!existsSync('/dev/nvidia0')) assertEqual(await page.getByTestId('cuda-support').count(), 0, 'CUDA panels on a machine without an NVIDIA GPU')
    } finally {
      await context.close()
    }
  })

  check('Install CUDA support downloads with its figures, installs into the data folder, and its check names what is missing', async () => {
    const running = await fresh()
    const folder = join(running.home, 'runtimes', `onnxruntime-${version}-cuda12`)
    const { context, page } = await openSystem(env.browser(), running)
    try {
      await asIfNvidia(page, folder)
      await page.reload()
      await page.getByTestId('cuda-install').click()
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=cuda-transfer]')?.dataset.bytes) > 0, undefined, { timeout: 60_000 })
      const figures = await page.getByTestId('cuda-transfer').textContent()
      assert(/ of .*\/s/.test(figures), `the download's figures: ${figures}`)
      await env.screenshot(page, 'cuda-installing.png')
      await page.getByTestId('cuda-check-result').waitFor({ timeout: 120_000 })
      const result = await page.getByTestId('cuda-check-result').textContent()
      assert(/CUDA does not run yet|CUDA works/.test(result), `the check's answer: ${result}`)
      if (!existsSync('/proc/driver/nvidia/version')) assert(/Missing: the NVIDIA driver/.test(result), `the check's answer names the driver: ${result}`)
      assert(existsSync(join(folder, 'installed.json')), `${folder}/installed.json after the install`)
      await page.getByTestId('cuda-support').and(page.locator('[data-state=installed]')).waitFor()
      for (const colorScheme of ['light', 'dark']) {
        await page.emulateMedia({ colorScheme })
        for (const viewport of sizes) {
          await page.setViewportSize(viewport)
          await page.waitForTimeout(200)
          await page.getByTestId('cuda-support').scrollIntoViewIfNeeded()
          await page.screenshot({ path: `${env.resultsDir}/cuda-installed-${colorScheme}-${viewport.width}.png`, animations: 'disabled' })
        }
      }
    } finally {
      await context.close()
      await server?.stop()
      await feed?.close()
      server = null
    }
  })
}

/** Alone: these checks only (they start their own server and feed). */
if (runDirectly(import.meta.url)) {
  await runAlone({ prepare: async () => ({ serverEnv: {}, env: {} }), register: registerCudaChecks })
}
