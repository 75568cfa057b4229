// Settings: the data folder, a theme applied at once and kept across reloads, the default device;
// a system notification when a run ends while the window is in the background.
import { chooseOption, goTo, openApp, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

/** Waits until the page background has turned (it fades, so an immediate read can catch it halfway). */
async function waitForTheme(page, theme) {
  await page.waitForFunction((wanted) => {
    const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number)
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
    return wanted === 'dark' ? luminance < 0.2 : luminance > 0.8
  }, theme, { timeout: 5_000 })
}

/** Does something that saves a setting and waits for the server to have written it. */
async function saving(page, action) {
  const saved = page.waitForResponse((response) => response.url().endsWith('/api/settingsSet') && response.ok())
  await action()
  await saved
}

export function registerSettingsChecks(env) {
  check('Settings shows the data folder and saves a theme and a default device across reloads', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('settings'))
    const dataDir = await page.getByTestId('data-dir').innerText()
    assert(dataDir.includes(env.server.home), `the data folder shown is ${dataDir}, not ${env.server.home}`)
    await waitForTheme(page, 'light')
    await env.screenshot(page, 'settings.png')

    await saving(page, () => page.getByTestId('theme-choice').getByText('Dark', { exact: true }).click())
    await waitForTheme(page, 'dark')
    await saving(page, () => chooseOption(page, page.getByTestId('default-device'), /^CPU/))
    await env.screenshot(page, 'settings-dark.png')

    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await page.getByTestId('default-device').waitFor()
    await waitForTheme(page, 'dark')
    const device = (await page.getByTestId('default-device').innerText()).trim()
    assert(device.startsWith('CPU'), `default device after reload: ${device}`)

    // The other pages in the dark theme, for a person to look at.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
    await page.locator('tr[data-dataset="questions"]').click()
    await page.locator('canvas').first().waitFor()
    await env.screenshot(page, 'dataset-detail-dark.png')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets', exact: true }).click()
    await page.getByTestId('datasets-table').waitFor()
    await env.screenshot(page, 'datasets-list-dark.png')

    // Back to following the system, which the checks after this one expect.
    await goTo(page, pageFor('settings'))
    await saving(page, () => page.getByTestId('theme-choice').getByText('System', { exact: true }).click())
    await waitForTheme(page, 'light')
  })

  check('a run that ends while the window is in the background is told in a system notification, which opens the run', async () => {
    const { page, context } = await openApp(env.browser(), env.server)
    let runId = null
    try {
      // Chromium's own Notification, recorded; "in the background" is document.hasFocus() turning
      // false, as it does when another window takes the focus (headless Chromium never loses it).
      await context.grantPermissions(['notifications'], { origin: env.server.origin })
      await context.addInitScript(() => {
        const Real = window.Notification
        window.__notifications = []
        window.Notification = class extends Real {
          constructor(title, options) {
            super(title, options)
            window.__notifications.push(this)
          }
        }
        window.__background = false
        document.hasFocus = () => !window.__background
      })
      await page.reload()
      await page.getByRole('navigation', { name: 'Main' }).waitFor()
      await goTo(page, pageFor('settings'))
      const explain = await page.getByTestId('notify-explain').innerText()
      assert(!explain.includes('asks first') && !explain.includes('blocks'), `with the permission granted it says: ${explain}`)
      await env.screenshot(page, 'settings-notifications.png')

      const { modelDir, good } = env.files
      const config = { name: 'told when done', model: modelDir, data: { train: good.path, mapping: { prompt: 'question', completion: 'answer' }, split: 4, max_length: 256 }, adapter: { method: 'ia3' }, train: { max_steps: 6, eval_every: 3, save_every: 6 }, device: 'cpu' }
      await page.evaluate(() => { window.__background = true })
      const started = await page.evaluate((body) => fetch('/api/runsStart', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.json()), JSON.stringify({ config }))
      assert(started.run?.id, `runsStart answered ${JSON.stringify(started)}`)
      runId = started.run.id
      await page.waitForFunction(() => window.__notifications.length > 0, undefined, { timeout: 120_000 })
      const [told] = await page.evaluate(() => window.__notifications.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))
      assertEqual(told.title, '“told when done” finished', `notification title (its body: ${told.body})`)
      assert(/^6 steps in .+ · loss \d+\.\d{4} · eval loss \d+\.\d{4}$/.test(told.body), `notification body: ${told.body}`)
      assertEqual(told.tag, `run-${started.run.id}`, 'notification tag')
      await page.evaluate(() => window.__notifications[0].onclick())
      await page.waitForFunction((id) => location.hash === `#/runs/${id}`, started.run.id, { timeout: 5_000 })
    } finally {
      // The training checks that follow expect the runs they make, and only those.
      if (runId) await page.evaluate((body) => fetch('/api/runsDelete', { method: 'POST', headers: { 'content-type': 'application/json' }, body }), JSON.stringify({ runId }))
      await context.close()
    }
  })
}
