// evaluationsCreate end to end: two tiny trained runs of one tiny model and the base model, on two
// multiple-choice sets, scored by a real `evaluate` job process that writes each cell to the store.
// The base column must equal rank classification of the same rendered questions without an
// adapter, and each run's column the same through that run's adapter. Also: runs of another model
// are refused naming the run, the CLI's `evaluate` saves the same table, and Compare's accuracies
// read the newest evaluation of each run.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EvaluationDetail, EvaluationStarted, RunAccuracies } from '../../../main/contract'
import { setQuestions } from '../../../main/evaluations/questions'
import { rankClassify } from '../../../main/models/eval/rank-classification'
import { loadInferenceAdapter } from '../../../main/models/inference/adapter'
import { openModel } from '../../../main/models/inference/open-model'
import { createServices, dispatchCall, type Services } from '../../../main/services'
import { runFolder } from '../../../main/train/run-training'
import { RunConfig } from '../../../main/contract/run-config'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let services: Services
let modelDir: string
const runIds: string[] = []
const home = () => join(tmp.dir, 'home')

const ARC = [
  { prompt: 'copy abc', choices: [' abc', ' bca', ' cab'], answer: 0 },
  { prompt: 'copy bca', choices: [' abc', ' bca', ' cab'], answer: 1 },
  { prompt: 'copy cab', choices: [' abc', ' bca', ' cab'], answer: ' cab' },
  { prompt: 'copy dde', choices: [' dde', ' eed'], answer: 0 },
  { prompt: 'copy eed', choices: [' dde', ' eed'], answer: 1 },
]
const COPA = [
  { prompt: 'copy fab', choices: [' fab', ' bad', ' cad', ' abc'], answer: 0 },
  { prompt: 'copy bad', choices: [' fab', ' bad'], answer: 1 },
  { prompt: 'copy cad', choices: [' cad', ' bad'], answer: 0 },
]

function writeRows(name: string, rows: unknown[]): string {
  const path = join(tmp.dir, `${name}.jsonl`)
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
  return path
}

/** A LoRA run on the copy rows; `every` > 0 holds 4 of them out and evaluates (so the run marks a best checkpoint). */
async function train(name: string, lr: number, steps: number, every = 0): Promise<string> {
  const config = join(tmp.dir, `${name}.yaml`)
  const split = every > 0 ? ', split: 4' : ''
  const interval = every > 0 ? every : steps
  writeFileSync(config, `name: ${name}\nmodel: model\ndata: { train: train.jsonl, max_length: 64${split} }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: ${lr}, batch_size: 4, max_steps: ${steps}, eval_every: ${interval}, save_every: ${interval} }\ndevice: cpu\n`)
  const trained = await runCli(['train', '--config', config, '--json'], { home: home() })
  expect(trained.code, trained.stderr).toBe(0)
  return JSON.parse(trained.stdout.trim().split('\n').at(-1)!).run_id as string
}

/** Resolves once the job has ended (the evaluation's end is recorded by then). */
function jobEnded(jobId: string): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = services.subscribe('onJobEvent', (event) => {
      if (event.type === 'ended' && event.jobId === jobId) {
        unsubscribe()
        resolve()
      }
    })
  })
}

async function call<T>(name: Parameters<typeof dispatchCall>[1], input: unknown): Promise<T> {
  const result = await dispatchCall(services, name, input)
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`)
  return result.data as T
}

beforeAll(async () => {
  tmp = makeTempDir('ms-evaluations-')
  modelDir = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
  // The fast run learns the copying the sets ask about, so its column differs from base's.
  runIds.push(await train('slow', 0.01, 2), await train('fast', 0.1, 30, 10))
  services = createServices({ dataDir: home() })
}, 240_000)
afterAll(async () => {
  await services?.close()
  tmp.remove()
})

describe('evaluationsCreate', () => {
  let detail: EvaluationDetail

  it('scores base and each run on each set in a job process, storing every cell', async () => {
    const arc = writeRows('arc', ARC)
    const copa = writeRows('copa', COPA)
    const progress: string[] = []
    const unsubscribe = services.subscribe('onJobEvent', (event) => event.type === 'progress' && progress.push(event.label))
    const started = EvaluationStarted.parse(await call('evaluationsCreate', {
      name: 'tiny table', model: modelDir, includeBase: true,
      runs: [{ runId: runIds[0], checkpoint: 'last' }, { runId: runIds[1], checkpoint: 'best' }],
      sets: [{ name: 'arc', file: arc }, { name: 'copa', file: copa }],
    }))
    expect(started.jobId).not.toBeNull()
    expect(started.evaluation).toMatchObject({ name: 'tiny table', status: 'running', tasks: ['arc', 'copa'], cellsTotal: 6 })
    expect(started.evaluation.columns.map((c) => c.key)).toEqual(['base', `${runIds[0]}@last`, `${runIds[1]}@best`])
    await jobEnded(started.jobId!)
    unsubscribe()

    detail = EvaluationDetail.parse(await call('evaluationsShow', { id: started.evaluation.id }))
    expect(detail).toMatchObject({ status: 'completed', error: null, cellsDone: 6 })
    // The trained run answers otherwise than base: a column scored through the wrong adapter would show.
    expect(detail.rows.some((row) => row.cells[`${runIds[1]}@best`]!.correct !== row.cells.base!.correct)).toBe(true)
    // Reports are throttled to a few a second; the first and the one that completes always come.
    expect(progress[0]).toBe('Loading model')
    expect(progress.at(-1)).toBe('Scored fast (best) on copa (cell 6 of 6)')
    for (const row of detail.rows) {
      for (const column of detail.columns) expect(row.cells[column.key]?.examples).toBe(row.task === 'arc' ? ARC.length : COPA.length)
    }
    // Each run column's adapter: last, a completed run's final adapter; best, the checkpoint the
    // run marked best by its eval loss.
    expect(detail.columns[1]).toMatchObject({ label: 'slow (last)', adapter: join(runFolder(home(), runIds[0]), 'adapter'), adapterLabel: 'final adapter' })
    const best = services.store.runs.get(runIds[1])!.bestStep
    expect(best).not.toBeNull()
    expect(detail.columns[2]).toMatchObject({
      label: 'fast (best)', adapter: join(runFolder(home(), runIds[1]), 'checkpoints', `step-${best}`), adapterLabel: `best checkpoint step-${best} (by eval_loss)`,
    })
  })

  it('gives, in each column, what rank classification gives on the same rendered questions', async () => {
    const model = openModel(modelDir)
    for (const column of detail.columns) {
      const adapter = column.adapter ? loadInferenceAdapter(column.adapter, model) : null
      const config = column.runId ? RunConfig.parse(services.store.runs.get(column.runId)!.config) : null
      for (const set of detail.sets) {
        const { questions } = await setQuestions(set, model, config)
        const { results } = await rankClassify(model, questions, { adapter })
        const cell = detail.rows.find((r) => r.task === set.name)!.cells[column.key]!
        expect({ column: column.key, set: set.name, correct: cell.correct }).toEqual({ column: column.key, set: set.name, correct: results.filter((r) => r.correct).length })
      }
    }
  })

  it('lists it, and finds it by run', async () => {
    const all = await call<{ id: string }[]>('evaluationsList', {})
    expect(all.map((e) => e.id)).toContain(detail.id)
    expect((await call<{ id: string }[]>('evaluationsList', { runId: runIds[0] })).map((e) => e.id)).toContain(detail.id)
    expect(await call('evaluationsList', { runId: 'no-such-run' })).toEqual([])
  })

  it('gives Compare each run\'s accuracy from its newest evaluation', async () => {
    const accuracies = RunAccuracies.parse(await call('runsAccuracies', { runIds }))
    expect(accuracies.tasks).toEqual(['arc', 'copa'])
    const slowArc = accuracies.accuracies.find((a) => a.runId === runIds[0] && a.task === 'arc')!
    const cell = detail.rows[0].cells[`${runIds[0]}@last`]!
    expect(slowArc).toMatchObject({ source: 'evaluation', accuracy: cell.accuracy, ci95: cell.ci95, examples: cell.examples, evaluationId: detail.id, from: 'evaluation "tiny table", final adapter' })

    // A run's during-training accuracy on an eval set: its value at the last eval step, beside the evaluated one.
    services.store.metrics.append(runIds[1], [{ name: 'accuracy.arc', step: 10, value: 0.2 }, { name: 'accuracy.arc', step: 20, value: 0.6 }, { name: 'accuracy.boolq', step: 20, value: 0.5 }])
    const withTraining = RunAccuracies.parse(await call('runsAccuracies', { runIds }))
    expect(withTraining.tasks).toEqual(['arc', 'copa', 'boolq'])
    expect(withTraining.accuracies.filter((a) => a.runId === runIds[1] && a.source === 'training')).toEqual([
      { runId: runIds[1], task: 'arc', source: 'training', accuracy: 0.6, ci95: null, examples: null, from: 'during training, step 20', evaluationId: null },
      { runId: runIds[1], task: 'boolq', source: 'training', accuracy: 0.5, ci95: null, examples: null, from: 'during training, step 20', evaluationId: null },
    ])
  })

  it('refuses a run of another model, naming it', async () => {
    const fast = services.store.runs.get(runIds[1])!
    const other = services.store.runs.create({ name: 'elsewhere', config: { ...(fast.config as object), model: join(tmp.dir, 'other-model') } })
    const result = await dispatchCall(services, 'evaluationsCreate', { model: modelDir, runs: [{ runId: other.id }], sets: [{ name: 'arc', file: join(tmp.dir, 'arc.jsonl') }] })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatchObject({ code: 'invalid_input' })
    expect(!result.ok && result.error.message).toContain(`Run "elsewhere" (${other.id}) trained ${join(tmp.dir, 'other-model')}, not ${modelDir}`)
    services.store.runs.delete(other.id)
  })

  it('takes a set from an imported multiple-choice dataset, and refuses a dataset of another format', async () => {
    const arc = await call<{ id: string; format: string }>('datasetsImport', { path: join(tmp.dir, 'arc.jsonl'), name: 'arc set' })
    expect(arc.format).toBe('multiple-choice')
    const started = EvaluationStarted.parse(await call('evaluationsCreate', { model: modelDir, sets: [{ name: 'arc', datasetId: arc.id }] }))
    await jobEnded(started.jobId!)
    const table = EvaluationDetail.parse(await call('evaluationsShow', { id: started.evaluation.id }))
    expect(table.sets).toEqual([{ name: 'arc', datasetId: arc.id, file: join(tmp.dir, 'arc.jsonl') }])
    expect(table.rows[0].cells.base).toEqual(detail.rows[0].cells.base)

    const train = await call<{ id: string }>('datasetsImport', { path: join(tmp.dir, 'train.jsonl') })
    const refused = await dispatchCall(services, 'evaluationsCreate', { model: modelDir, sets: [{ name: 'copy', datasetId: train.id }] })
    expect(!refused.ok && refused.error.message).toBe('Set "copy": dataset "train.jsonl" holds prompt-completion rows; an evaluation scores multiple-choice rows ({"prompt","choices","answer"})')
  })

  // Under load a job process takes a while to start and score: these wait for it, with room to spare.
  it('stops between questions when its job is stopped, keeping the cells it finished', async () => {
    // Enough questions that the first cell is done well before the last.
    const many = writeRows('many', Array.from({ length: 300 }, (_, i) => ARC[i % ARC.length]))
    const started = EvaluationStarted.parse(await call('evaluationsCreate', { model: modelDir, runs: [{ runId: runIds[0], checkpoint: 'last' }], sets: [{ name: 'a', file: many }, { name: 'b', file: many }] }))
    await new Promise<void>((resolve) => {
      const unsubscribe = services.subscribe('onJobEvent', (event) => {
        if (event.type === 'progress' && event.jobId === started.jobId && event.label.includes('(cell 2 of 4)')) {
          unsubscribe()
          resolve()
        }
      })
    })
    const ended = jobEnded(started.jobId!)
    await call('jobsCancel', { jobId: started.jobId })
    await ended
    const stopped = EvaluationDetail.parse(await call('evaluationsShow', { id: started.evaluation.id }))
    expect(stopped.status).toBe('cancelled')
    expect(stopped.cellsDone).toBeGreaterThanOrEqual(1)
    expect(stopped.cellsDone).toBeLessThan(4)
    expect(stopped.error).toBe(stopped.cellsDone === 1 ? 'Stopped before it finished; the 1 cell scored by then is kept' : `Stopped before it finished; the ${stopped.cellsDone} cells scored by then are kept`)
    expect(stopped.rows[0].cells.base).toMatchObject({ examples: 300 })
  }, 180_000)

  it('is failed by main, with its finished cells, when its job process dies', async () => {
    const many = writeRows('many', Array.from({ length: 300 }, (_, i) => ARC[i % ARC.length]))
    let pid = 0
    const unsubscribe = services.subscribe('onJobEvent', (event) => {
      if (event.type === 'started' && event.kind === 'evaluate') pid = event.pid
    })
    const started = EvaluationStarted.parse(await call('evaluationsCreate', { model: modelDir, sets: [{ name: 'a', file: many }, { name: 'b', file: many }, { name: 'c', file: many }] }))
    await new Promise<void>((resolve) => {
      const off = services.subscribe('onJobEvent', (event) => {
        if (event.type === 'progress' && event.jobId === started.jobId && event.label.includes('(cell 2 of 3)')) {
          off()
          resolve()
        }
      })
    })
    unsubscribe()
    const ended = jobEnded(started.jobId!)
    process.kill(pid, 'SIGKILL')
    await ended
    // main records the end once its wait for the job's end answers, just after the event.
    let died = EvaluationDetail.parse(await call('evaluationsShow', { id: started.evaluation.id }))
    for (let tries = 0; died.status === 'running' && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      died = EvaluationDetail.parse(await call('evaluationsShow', { id: started.evaluation.id }))
    }
    expect(died.status).toBe('failed')
    expect(died.error).toMatch(/^The evaluation job ended before it finished \(.+\); the cells it scored are kept$/)
    expect(died.cellsDone).toBeGreaterThanOrEqual(1)
    expect(died.rows[0].cells.base).toMatchObject({ examples: 300 })
  }, 180_000)

  it('refuses to delete a running evaluation, deletes an ended one', async () => {
    const copy = services.store.evaluations.create({ id: 'running-one', name: 'x', config: services.store.evaluations.get(detail.id)!.config })
    const refused = await dispatchCall(services, 'evaluationsDelete', { id: copy.id })
    expect(!refused.ok && refused.error.code).toBe('conflict')
    services.store.evaluations.finishIfRunning(copy.id, 'cancelled', 'stopped')
    expect((await dispatchCall(services, 'evaluationsDelete', { id: copy.id })).ok).toBe(true)
    expect(services.store.evaluations.get(copy.id)).toBeUndefined()
  })
})

describe('mixture-studio evaluate', () => {
  it('saves the same table as the page, and writes it as CSV and Markdown', async () => {
    const csv = join(tmp.dir, 'table.csv')
    const markdown = join(tmp.dir, 'table.md')
    const result = await runCli(['evaluate', '--model', modelDir, '--run', `${runIds[0]}@last`, '--set', `arc=${join(tmp.dir, 'arc.jsonl')}`, '--json', '--csv', csv, '--markdown', markdown], { home: home() })
    expect(result.code, result.stderr).toBe(0)
    const table = EvaluationDetail.parse(JSON.parse(result.stdout))
    expect(table.rows[0].cells).toEqual({ base: (await pageCell('base')), [`${runIds[0]}@last`]: await pageCell(`${runIds[0]}@last`) })
    expect(result.stderr).toContain('Scored base on arc (cell 1 of 2)')

    const shown = await runCli(['evaluations', 'show', table.id, '--csv'], { home: home() })
    expect(shown.stdout).toBe((await import('node:fs')).readFileSync(csv, 'utf8'))
    const md = await runCli(['evaluations', 'show', table.id, '--markdown', '--out', join(tmp.dir, 'again.md')], { home: home() })
    expect(md.code).toBe(0)
    expect((await import('node:fs')).readFileSync(join(tmp.dir, 'again.md'), 'utf8')).toBe((await import('node:fs')).readFileSync(markdown, 'utf8'))
  })

  it('says what is wrong with the options', async () => {
    const result = await runCli(['evaluate', '--model', modelDir, '--no-base', '--set', `arc=${join(tmp.dir, 'arc.jsonl')}`], { home: home() })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--run: pick at least one run, or include the base model')
  })
})

/** The job's cell for the arc row. */
async function pageCell(key: string) {
  const list = await call<{ id: string; name: string }[]>('evaluationsList', {})
  const page = EvaluationDetail.parse(await call('evaluationsShow', { id: list.find((e) => e.name === 'tiny table')!.id }))
  return page.rows[0].cells[key]
}
