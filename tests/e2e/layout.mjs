// Layout at the sizes a laptop gives: the sidebar folds by itself below 1100 px (a user's own
// choice wins), links and empty states follow the theme, New run's notes keep room under them,
// and the runs table scrolls sideways rather than losing its last columns.
import { goTo, openApp, pageFor } from './app.mjs'
import { assert, assertEqual, check } from './runner.mjs'

const narrow = { width: 1024, height: 700 }
const wide = { width: 1280, height: 800 }

/** Waits for the sidebar to settle at `px` wide (64 folded to its icons, 216 open: AppShell); its width is animated. */
async function expectSiderWidth(page, px, what) {
  const width = () => Math.round(document.querySelector('aside').getBoundingClientRect().width)
  try {
    // A function, not a string: the app's CSP refuses eval.
    await page.waitForFunction((wanted) => Math.round(document.querySelector('aside').getBoundingClientRect().width) === wanted, px, { timeout: 5_000 })
  } catch {
    throw new Error(`${what}: the sidebar is ${await page.evaluate(width)} px wide, ${px} wanted`)
  }
}

/** The theme's accent (theme.ts) as the browser computes it. */
const accent = { light: 'rgb(53, 99, 233)', dark: 'rgb(109, 143, 245)' }

/** Checks that need the lists still empty: register them before anything is added. */
export function registerEmptyLayoutChecks(env) {
  check('the sidebar folds to its icons below 1100 px and a user\'s own choice wins', async () => {
    const { context, page } = await openApp(env.browser(), env.server, { viewport: narrow })
    try {
      await expectSiderWidth(page, 64, 'sidebar width at 1024 px')
      await page.locator('.n-layout-toggle-button').click()
      await expectSiderWidth(page, 216, 'sidebar width at 1024 px after the user opened it')
      await page.setViewportSize({ width: 1060, height: 700 })
      await page.waitForTimeout(500)
      await expectSiderWidth(page, 216, 'sidebar width after a resize, once the user chose to open it')

      await page.setViewportSize(wide)
      await page.reload()
      await page.getByRole('navigation', { name: 'Main' }).waitFor()
      await expectSiderWidth(page, 216, 'sidebar width at 1280 px')
      await page.setViewportSize(narrow)
      await expectSiderWidth(page, 64, 'sidebar width after the window narrowed to 1024 px')
    } finally {
      await context.close()
    }
  })

  check('links take the theme\'s accent and empty lists show the page\'s own icon, in both themes', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const { context, page } = await openApp(env.browser(), env.server, { colorScheme })
      try {
        await goTo(page, pageFor('runs'))
        const link = page.getByTestId('runs-empty').getByRole('link', { name: 'New run' })
        // The browser's own link blue is rgb(0, 0, 238), its visited purple rgb(85, 26, 139).
        assertEqual(await link.evaluate((a) => getComputedStyle(a).color), accent[colorScheme], `${colorScheme} theme: colour of the New run link`)
        for (const route of ['runs', 'datasets', 'models']) {
          await goTo(page, pageFor(route))
          // naive's default empty icon (a 28×28 tray with a crossed circle) reads as an error; the app's line icons are drawn on 24×24.
          const viewBox = await page.getByTestId(`${route}-empty`).locator('.n-empty__icon svg').getAttribute('viewBox')
          assertEqual(viewBox, '0 0 24 24', `${colorScheme} theme: the empty ${route} list's icon (its viewBox)`)
        }
      } finally {
        await context.close()
      }
    }
  })

  check('New run leaves room between a field\'s note and the label below it', async () => {
    for (const viewport of [wide, narrow]) {
      const { context, page } = await openApp(env.browser(), env.server, { viewport })
      try {
        await goTo(page, pageFor('new-run'))
        await page.locator('.schema-field .help').first().waitFor()
        // For every note (help text) under a field, the nearest label below it in the same column.
        const tightest = await page.evaluate(() => {
          const labels = [...document.querySelectorAll('.n-form-item-label')].map((label) => label.getBoundingClientRect())
          let gap = { px: Number.POSITIVE_INFINITY, note: '' }
          for (const note of document.querySelectorAll('.help')) {
            // The text's own box: the note's padding is the room being checked.
            const range = document.createRange()
            range.selectNodeContents(note)
            const box = range.getBoundingClientRect()
            const below = labels.filter((label) => label.top >= box.top && label.left < box.right && label.right > box.left)
            if (!below.length) continue
            const px = Math.min(...below.map((label) => label.top)) - box.bottom
            if (px < gap.px) gap = { px, note: note.textContent.trim().slice(0, 60) }
          }
          return gap
        })
        assert(tightest.px >= 8, `at ${viewport.width} px the note "${tightest.note}" is ${tightest.px.toFixed(1)} px above the next label (at least 8 wanted)`)
      } finally {
        await context.close()
      }
    }
  })
}

/** Once a run exists (after the training checks). */
export function registerRunsTableLayoutCheck(env) {
  check('the runs table scrolls sideways at 1024 px with the sidebar open instead of cutting off columns', async () => {
    const { context, page } = await openApp(env.browser(), env.server, { viewport: narrow })
    try {
      await page.locator('.n-layout-toggle-button').click()
      await expectSiderWidth(page, 216, 'sidebar width after the user opened it')
      await goTo(page, pageFor('runs'))
      const table = page.getByTestId('runs-table')
      await table.locator('tbody tr').first().waitFor()
      const body = table.locator('.n-data-table-base-table-body .n-scrollbar-container').first()
      const { scrollWidth, clientWidth } = await body.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }))
      assert(scrollWidth > clientWidth, `the table's body is ${scrollWidth} px wide in ${clientWidth} px: it should scroll, not squeeze its columns`)
      await body.evaluate((el) => (el.scrollLeft = el.scrollWidth))
      // The last column (Delete) is reachable once scrolled.
      const deleteButton = table.locator('tbody tr').first().getByRole('button', { name: /^Delete / })
      const box = await deleteButton.boundingBox()
      const tableBox = await table.boundingBox()
      assert(box && box.x + box.width <= tableBox.x + tableBox.width + 1, `the Delete button (x ${box?.x}) lies outside the table (right edge ${tableBox.x + tableBox.width})`)

      // A 1280 px window with the sidebar open has room for every column: no scrollbar there.
      await page.setViewportSize(wide)
      await page.waitForFunction(() => {
        const el = document.querySelector('[data-testid=runs-table] .n-data-table-base-table-body .n-scrollbar-container')
        return el.scrollWidth <= el.clientWidth
      }, null, { timeout: 5_000 }).catch(async () => {
        const widths = await body.evaluate((el) => `${el.scrollWidth} px in ${el.clientWidth} px`)
        throw new Error(`at 1280 px the runs table still scrolls (${widths})`)
      })
    } finally {
      await context.close()
    }
  })
}
