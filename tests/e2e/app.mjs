// What every e2e check uses: opening the app, navigating, screenshots and the browser's errors.
import { join } from 'node:path'
import { assertEqual } from './runner.mjs'

export const viewport = { width: 1280, height: 800 }

export const pages = [
  { link: 'Models', route: 'models', heading: 'Models' },
  { link: 'Datasets', route: 'datasets', heading: 'Datasets' },
  { link: 'New run', route: 'new-run', heading: 'New run' },
  { link: 'Runs', route: 'runs', heading: 'Runs' },
  { link: 'Evaluate', route: 'evaluate', heading: 'Evaluate' },
  { link: 'Playground', route: 'playground', heading: 'Playground' },
  { link: 'System', route: 'system', heading: 'System' },
  { link: 'Settings', route: 'settings', heading: 'Settings' },
]

export function pageFor(route) {
  return pages.find((entry) => entry.route === route)
}

/** Every console error, uncaught exception and CSP violation a page produces, for the last check. */
export const browserErrors = []

function watchForErrors(page, label) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return
    // Chromium logs every 4xx answer; those of /api/ calls are the contract's typed errors,
    // which the checks provoke on purpose and the UI shows.
    const expectedRefusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()) &&
      new URL(message.location().url || 'about:blank').pathname.startsWith('/api/')
    if (!expectedRefusal) browserErrors.push(`${label}: console error: ${message.text()}`)
  })
  page.on('pageerror', (error) => browserErrors.push(`${label}: uncaught: ${error.message}`))
}

export async function openApp(browser, server, options = {}) {
  const context = await browser.newContext({ viewport, ...options })
  const page = await context.newPage()
  watchForErrors(page, options.colorScheme ?? 'default')
  await page.goto(server.pageUrl)
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
  return { context, page }
}

export async function goTo(page, { link, route, heading }) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click()
  await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor()
  const hash = new URL(page.url()).hash
  assertEqual(hash, `#/${route}`, `address after clicking "${link}"`)
}

/**
 * The app scrolls inside its layout, not the document, so a full-page screenshot would stop
 * at the window's edge: the window is made as tall as the content for the shot instead.
 */
export async function screenshot(page, resultsDir, name) {
  const contentHeight = await page.evaluate(() => {
    const main = document.querySelector('main')
    // From the top of the page, wherever a check left it scrolled.
    for (let el = main?.parentElement; el; el = el.parentElement) el.scrollTop = 0
    return main ? Math.ceil(main.getBoundingClientRect().top + main.scrollHeight + 48) : 0
  })
  await page.setViewportSize({ width: viewport.width, height: Math.max(viewport.height, contentHeight) })
  // Finished transitions, so a menu item or button is not caught halfway between states.
  await page.screenshot({ path: join(resultsDir, name), animations: 'disabled' })
  await page.setViewportSize(viewport)
}

/** Relative luminance (0 dark … 1 light) of an `rgb(...)` CSS colour. */
export function luminance(cssColor) {
  const [r, g, b] = cssColor.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number)
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
}

export async function pageBackground(page) {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor)
}

/** Picks an option of a naive-ui select (its menu is rendered outside the select); text or RegExp. */
export async function chooseOption(page, select, option) {
  await select.click()
  await page.locator('.n-base-select-option', { hasText: option }).first().click()
}
