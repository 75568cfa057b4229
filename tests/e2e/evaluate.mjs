// The Evaluate page: two tiny runs of the tiny model (trained with the CLI into the server's data
// folder) and the base model on two multiple-choice sets (an imported dataset and a file typed in),
// scored by the evaluate job, with the table, its winners and mean, the chart, the CSV download
// and the saved list; Compare then shows the runs' accuracies side by side. Runs inside the whole
// e2e suite (run.mjs), or alone: node tests/e2e/evaluate.mjs (after npm run build).
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chooseOption, openApp, viewport } from './app.mjs'
import { cli, repoRoot, runAlone, runDirectly } from './standalone.mjs'
import { assert, assertEqual, check } from './runner.mjs'

const WORDS = ['abc', 'bca', 'cab', 'dde', 'eed', 'fab', 'bad', 'cad']

function writeRows(path, rows) {
  writeFileSync(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n')
  return path
}

/** The tiny model (registered unless it is already), two runs of it, and two multiple-choice sets. */
function prepare(env) {
  const { home } = env.server
  const { dir, modelDir } = env.files
  const models = cli(home, ['models', 'list', '--json']).flat()
  if (!models.some((m) => m.path === modelDir)) cli(home, ['models', 'import', modelDir, '--name', 'tiny-qwen2', '--json'])
  const train = writeRows(join(dir, 'copy.jsonl'), Array.from({ length: 16 }, (_, i) => ({ prompt: `copy ${WORDS[i % 8]}`, completion: ` ${WORDS[i % 8]}` })))
  const runIds = []
  for (const [name, lr, steps] of [['copy slow', 0.01, 2], ['copy fast', 0.1, 30]]) {
    const config = join(dir, `${name.replace(' ', '-')}.yaml`)
    writeFileSync(config, `name: ${name}\nmodel: ${modelDir}\ndata: { train: ${train}, max_length: 64 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: ${lr}, batch_size: 4, max_steps: ${steps}, eval_every: ${steps}, save_every: ${steps} }\ndevice: cpu\n`)
    runIds.push(cli(home, ['train', '--config', config, '--json']).at(-1).run_id)
  }
  const arc = writeRows(join(dir, 'arc.jsonl'), WORDS.slice(0, 5).map((w, i) => ({ prompt: `copy ${w}`, choices: [` ${w}`, ` ${WORDS[(i + 1) % 8]}`, ` ${WORDS[(i + 2) % 8]}`], answer: 0 })))
  cli(home, ['datasets', 'import', arc, '--name', 'arc', '--json'])
  const copa = writeRows(join(dir, 'copa.jsonl'), WORDS.slice(5).map((w, i) => ({ prompt: `copy ${w}`, choices: [` ${WORDS[i]}`, ` ${w}`], answer: 1 })))
  return { runIds, copa }
}

/** The table as text: header cells, then each row's cells. */
async function tableText(page) {
  return page.getByTestId('evaluation-table').evaluate((table) => [...table.querySelectorAll('tr')].map((tr) => [...tr.children].map((cell) => cell.textContent.trim().replace(/\s+/g, ' '))))
}

export function registerEvaluateChecks(env) {
  const state = {}

  check('Evaluate scores the base model and two runs on two sets, and shows the table, winners, mean and chart', async () => {
    const { page } = env.app()
    Object.assign(state, prepare(env))
    await page.goto(`${env.server.origin}/#/evaluate`)
    await page.getByRole('heading', { level: 1, name: 'Evaluate', exact: true }).waitFor()
    await page.getByTestId('evaluations-list').getByText('No evaluations yet.').waitFor()

    await chooseOption(page, page.getByTestId('evaluate-model'), 'tiny-qwen2')
    for (const runId of state.runIds) await page.getByTestId(`evaluate-run-${runId}`).click()
    // The fast run at its last adapter; the slow one keeps best.
    await page.locator(`[data-run="${state.runIds[1]}"]`).getByText('Last', { exact: true }).click()
    await chooseOption(page, page.getByTestId('evaluate-datasets'), 'arc')
    await page.keyboard.press('Escape')
    await page.getByTestId('evaluate-add-file').click()
    await page.getByTestId('evaluate-file').locator('input').fill(state.copa)
    await page.getByTestId('evaluate-name').locator('input').fill('copy table')
    await page.getByTestId('evaluate-start').click()
    // While it scores: its progress and Stop, cells filling in (a picture for a person; tiny sets may finish first).
    if (await page.getByTestId('evaluation-progress').waitFor({ timeout: 10_000 }).then(() => true, () => false)) await env.screenshot(page, 'evaluate-running.png')

    const result = page.getByTestId('evaluation-result')
    await page.waitForFunction(() => document.querySelector('[data-testid=evaluation-result]')?.dataset.status === 'completed', undefined, { timeout: 120_000 })
    const rows = await tableText(page)
    assert(rows[0][3].startsWith('copy slow (best)') && rows[0][4].startsWith('copy fast (last)'), `header: ${rows[0].join(' | ')}`)
    assertEqual(rows.map((r) => r[0]).join(','), 'Task,arc,copa,Mean', 'row names')
    assertEqual(rows[1][1], '5', 'arc questions')
    assertEqual(rows[2][1], '3', 'copa questions')
    for (const row of rows.slice(1, 3)) {
      for (const cell of row.slice(2)) assert(/^\d+\.\d \[\d+\.\d, \d+\.\d\]$/.test(cell), `a cell reads "${cell}", not "62.5 [47.0, 76.0]"`)
    }
    assert(/^\d+\.\d$/.test(rows[3][2]), `the base mean reads "${rows[3][2]}"`)
    // The winners of each row hold its highest accuracy (a row where every column ties has none).
    const marked = await result.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => {
      const cells = [...tr.querySelectorAll('td.cell')].map((td) => ({ accuracy: parseFloat(td.textContent), winner: td.hasAttribute('data-winner') }))
      return { best: Math.max(...cells.map((c) => c.accuracy)), winners: cells.filter((c) => c.winner).map((c) => c.accuracy), allTie: cells.every((c) => c.accuracy === cells[0].accuracy) }
    }))
    for (const row of marked) {
      if (row.allTie) assertEqual(row.winners.length, 0, 'winners of a row where every column ties')
      else assert(row.winners.length > 0 && row.winners.every((a) => a === row.best), `a row's winners are not its best: ${JSON.stringify(row)}`)
    }
    assertEqual(await page.getByTestId('evaluation-chart').locator('rect').count(), 6, 'bars in the chart (3 columns × 2 sets)')
    assertEqual(await page.getByTestId('evaluations-list').locator('[data-evaluation]').count(), 1, 'saved evaluations listed')
    state.id = new URL(page.url()).hash.match(/id=([^&]+)/)?.[1]
    assert(state.id, `the address names the evaluation: ${page.url()}`)

    await env.screenshot(page, 'evaluate.png')
    const narrow = { width: 1024, height: 700 }
    await page.setViewportSize(narrow)
    await page.screenshot({ path: join(env.resultsDir, 'evaluate-1024x700.png'), animations: 'disabled' })
    await result.scrollIntoViewIfNeeded()
    await page.screenshot({ path: join(env.resultsDir, 'evaluate-1024x700-table.png'), animations: 'disabled' })
    await page.setViewportSize(viewport)
  })

  check('the evaluation downloads as the CSV the CLI writes, and comes back after a reload', async () => {
    const { page } = env.app()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('evaluation-csv').click()])
    const csv = readFileSync(await download.path(), 'utf8')
    assertEqual(download.suggestedFilename(), 'copy-table.csv', 'file name')
    const shown = spawnSync(process.execPath, ['bin/mixture-studio.mjs', 'evaluations', 'show', state.id, '--csv'], {
      cwd: repoRoot, env: { ...process.env, MIXTURE_STUDIO_HOME: env.server.home }, encoding: 'utf8',
    })
    assertEqual(csv, shown.stdout, 'the page\'s CSV against `evaluations show --csv`')
    await page.reload()
    await page.getByTestId('evaluation-table').waitFor()
    assertEqual((await tableText(page)).length, 4, 'rows of the table after a reload (header, 2 tasks, mean)')
  })

  check('the table and chart read in the dark theme', async () => {
    const dark = await openApp(env.browser(), env.server, { colorScheme: 'dark' })
    try {
      await dark.page.goto(`${env.server.origin}/#/evaluate?id=${state.id}`)
      await dark.page.getByTestId('evaluation-chart').waitFor()
      await env.screenshot(dark.page, 'evaluate-dark.png')
    } finally {
      await dark.context.close()
    }
  })

  check('Compare shows the two runs\' accuracies side by side', async () => {
    const { page } = env.app()
    await page.goto(`${env.server.origin}/#/compare?runs=${state.runIds.join(',')}`)
    const table = page.getByTestId('compare-accuracies')
    await table.waitFor()
    const text = await table.innerText()
    for (const task of ['arc', 'copa']) assert(text.includes(task), `Compare's accuracies lack ${task}:\n${text}`)
    assert(/\d+\.\d \[\d+\.\d, \d+\.\d\]/.test(text), `Compare's accuracies show no interval:\n${text}`)
    await env.screenshot(page, 'compare-accuracies.png')
  })
}

/** Alone: a server on an empty data folder, the tiny model, and these checks only. */
if (runDirectly(import.meta.url)) {
  const { writeTinyModelFolder } = await import('./fixtures.mjs')
  await runAlone({
    prepare: async (dir) => ({ env: { files: { dir, modelDir: await writeTinyModelFolder(dir, repoRoot) } } }),
    register: registerEvaluateChecks,
  })
}
