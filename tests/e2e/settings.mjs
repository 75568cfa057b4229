// Settings: the data folder, a theme applied at once and kept across reloads, the default device.
import { chooseOption, goTo, pageFor } from './app.mjs'
import { assert, check } from './runner.mjs'

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
}
