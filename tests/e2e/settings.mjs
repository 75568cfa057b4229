// Settings: the data folder, a theme applied at once and kept across reloads, the default device.
import { chooseOption, goTo, luminance, pageBackground, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

async function isDark(page) {
  return luminance(await pageBackground(page)) < 0.5
}

export function registerSettingsChecks(env) {
  check('Settings shows the data folder and saves a theme and a default device across reloads', async () => {
    const { page } = env.app()
    await goTo(page, pageFor('settings'))
    const dataDir = await page.getByTestId('data-dir').innerText()
    assert(dataDir.includes(env.server.home), `the data folder shown is ${dataDir}, not ${env.server.home}`)
    assert(!(await isDark(page)), 'the page is dark before choosing a theme')
    await env.screenshot(page, 'settings.png')

    await page.getByTestId('theme-choice').getByText('Dark', { exact: true }).click()
    await page.waitForFunction(() => {
      const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number)
      return r + g + b < 200
    })
    await chooseOption(page, page.getByTestId('default-device'), /^CPU/)
    await page.waitForTimeout(300)
    await env.screenshot(page, 'settings-dark.png')

    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await page.getByTestId('default-device').waitFor()
    assert(await isDark(page), 'the dark theme did not survive a reload')
    assertEqual((await page.getByTestId('default-device').innerText()).trim().startsWith('CPU'), true, 'default device after reload')

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
    await page.getByTestId('theme-choice').getByText('System', { exact: true }).click()
    await page.waitForFunction(() => {
      const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g).map(Number)
      return r + g + b > 600
    })
  })
}
