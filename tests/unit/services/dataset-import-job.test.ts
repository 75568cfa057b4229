// datasetsImport and large datasetsPreviews through the real services: the work runs in a job
// process, so the server's thread keeps answering while a 100k-row file is imported; the call
// still answers with the dataset, or with the same error naming the bad row; progress comes as
// job events; a stopped import, or one whose validation file's partner fails, registers nothing.
import { readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatasetPreview, type DatasetDetail, type JobEvent, type JobKind } from '../../../main/contract'
import { unwatchedWork } from '../../../main/jobs/work-context'
import { dispatchCall, type CallResult, type Services } from '../../../main/services'
import { previewFile } from '../../../main/services/dataset-preview-work'
import { datasetsDir, PREVIEW_IN_PROCESS_MAX_BYTES } from '../../../main/services/datasets'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../data/model-folder'

const temp = useTempServices('ms-import-job-')

/** An alpaca JSON Lines file of `rows` rows; `bad(line)` makes that line's row an empty completion. */
function alpacaFile(name: string, rows: number, bad: (line: number) => boolean = () => false): string {
  const path = join(temp.dir, name)
  const lines = Array.from({ length: rows }, (_, i) =>
    JSON.stringify({ instruction: `Question ${i + 1}: what comes after ${i}?`, input: '', output: bad(i + 1) ? '' : `${i + 1}, the number after ${i}.` }))
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

/** The job events of the first job of `kind` started from now on, as they come. */
function watchJob(services: Services, kind: JobKind) {
  const events: JobEvent[] = []
  let jobId: string | null = null
  const waiting: { match: (event: JobEvent) => boolean; resolve: (event: JobEvent) => void }[] = []
  const unsubscribe = services.subscribe('onJobEvent', (event) => {
    if (jobId === null && event.type === 'started' && event.kind === kind) jobId = event.jobId
    if (event.jobId !== jobId) return
    events.push(event)
    for (const waiter of [...waiting]) {
      if (!waiter.match(event)) continue
      waiting.splice(waiting.indexOf(waiter), 1)
      waiter.resolve(event)
    }
  })
  return {
    events,
    get jobId() {
      return jobId
    },
    next: (match: (event: JobEvent) => boolean) => new Promise<JobEvent>((resolve) => waiting.push({ match, resolve })),
    ended: () => events.some((event) => event.type === 'ended'),
    stop: unsubscribe,
  }
}

function progressOf(event: JobEvent): Extract<JobEvent, { type: 'progress' }> | null {
  return event.type === 'progress' ? event : null
}

/** Fails at once, rather than waiting for ever, when the call answers before `event` comes. */
async function beforeAnswer<T>(event: Promise<T>, call: Promise<CallResult>, what: string): Promise<T> {
  const answered = call.then((result) => {
    throw new Error(`the call answered before ${what}: ${JSON.stringify(result).slice(0, 300)}`)
  })
  return Promise.race([event, answered])
}

describe('datasetsImport in a job process', () => {
  it('leaves the server answering runsList while a 100k-row import is still running', async () => {
    const { services } = temp
    const path = alpacaFile('large.jsonl', 100_000)
    const job = watchJob(services, 'dataset-import')
    const importing = dispatchCall(services, 'datasetsImport', { path })
    await beforeAnswer(job.next((event) => progressOf(event)?.label.startsWith('Reading') === true), importing, 'the import reported reading rows')

    for (let call = 0; call < 5; call++) {
      const runs = await dispatchCall(services, 'runsList', {})
      expect(runs).toEqual({ ok: true, data: [] })
      // Answered while the import's job is still reading: the import is not what held it up.
      expect(job.ended(), `runsList call ${call + 1} answered only after the import ended`).toBe(false)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const imported = await importing
    job.stop()
    expect(imported.ok).toBe(true)
    expect((imported as { data: DatasetDetail }).data).toMatchObject({ path, numExamples: 100_000 })
  }, 120_000)

  it('reports how far through the file it is: bytes checked, then lines read of all, then recording', async () => {
    const { services } = temp
    const path = alpacaFile('progress.jsonl', 60_000)
    const job = watchJob(services, 'dataset-import')
    const imported = await dispatchCall(services, 'datasetsImport', { path })
    job.stop()
    expect(imported.ok).toBe(true)

    const progress = job.events.map(progressOf).filter((event) => event !== null)
    const checking = progress.filter((event) => event.label.startsWith('Checking progress.jsonl'))
    const reading = progress.filter((event) => event.label.startsWith('Reading progress.jsonl'))
    expect(checking.length).toBeGreaterThan(0)
    expect(checking.every((event) => event.total > 0 && event.done <= event.total)).toBe(true)
    expect(reading.length).toBeGreaterThan(1)
    // Lines of the whole file (counted as it was checked), rising as rows are read.
    expect(reading.every((event) => event.total === 60_000)).toBe(true)
    expect(reading.map((event) => event.done)).toEqual([...reading.map((event) => event.done)].sort((a, b) => a - b))
    expect(reading.at(-1)!.label).toMatch(/^Reading progress\.jsonl: [\d,]+ rows read$/)
    expect(progress.at(-1)).toMatchObject({ done: 1, total: 1, label: 'Recording progress.jsonl' })
    expect(progress.indexOf(checking[0])).toBeLessThan(progress.indexOf(reading[0]))
  }, 60_000)

  it('registers nothing and leaves no files when stopped midway, tokenizing and listing skipped rows', async () => {
    const { services, dataDir } = temp
    const model = writeTinyModel(join(temp.dir, 'model'))
    const path = alpacaFile('stopped.jsonl', 100_000, (line) => line % 10 === 0)
    const { cacheDir, reportsDir } = datasetsDir(dataDir)
    const before = services.store.datasets.list().length
    const job = watchJob(services, 'dataset-import')
    const importing = dispatchCall(services, 'datasetsImport', { path, model, onError: 'skip' })
    // Far enough in that the skipped rows' list and the unfinished cache are on disk.
    await beforeAnswer(job.next((event) => (progressOf(event)?.label.startsWith('Reading') ?? false) && progressOf(event)!.done >= 20_000), importing, 'the import read 20,000 lines')
    expect(readdirSync(reportsDir).filter((name) => name.endsWith('.problems.jsonl'))).toHaveLength(1)
    expect(readdirSync(cacheDir).some((name) => name.includes('.tmp-'))).toBe(true)

    expect(await dispatchCall(services, 'jobsCancel', { jobId: job.jobId! })).toMatchObject({ ok: true, data: { state: 'cancelled' } })
    expect(await importing).toEqual({ ok: false, error: { code: 'conflict', message: 'The import was stopped before it finished; nothing was imported' } })
    job.stop()
    expect(services.store.datasets.list()).toHaveLength(before)
    expect(readdirSync(reportsDir)).toEqual([])
    expect(readdirSync(cacheDir)).toEqual([])
  }, 120_000)

  it('still names a bad row deep in a large file by its line, as invalid_input, and registers nothing', async () => {
    const { services } = temp
    const path = alpacaFile('bad-deep.jsonl', 60_000, (line) => line === 45_678)
    const before = services.store.datasets.list().length
    const job = watchJob(services, 'dataset-import')
    const result = await dispatchCall(services, 'datasetsImport', { path })
    job.stop()
    expect(job.jobId).not.toBeNull()
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'invalid_input',
        message: `${path}:45678: empty completion: "output" (column "output") is empty (import stopped at the first bad row; fix it, or import with --on-error skip to skip bad rows and list them in the report)`,
      },
    })
    expect(services.store.datasets.list()).toHaveLength(before)
  }, 60_000)

  it('does not register a separate validation file when the training file fails', async () => {
    const { services } = temp
    const validation = alpacaFile('validation.jsonl', 5)
    const train = alpacaFile('train-bad.jsonl', 5, (line) => line === 3)
    const before = services.store.datasets.list().length
    const result = await dispatchCall(services, 'datasetsImport', { path: train, validation: { kind: 'file', path: validation } })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining(`${train}:3: empty completion`) } })
    expect(services.store.datasets.list()).toHaveLength(before)

    // Both files good: both are registered, linked, at once.
    const good = await dispatchCall(services, 'datasetsImport', { path: alpacaFile('train-good.jsonl', 5), validation: { kind: 'file', path: validation } })
    expect(good.ok).toBe(true)
    const detail = (good as { data: DatasetDetail }).data
    expect(services.store.datasets.get(detail.validationDatasetId!)).toMatchObject({ path: validation, numExamples: 5 })
  }, 60_000)
})

describe('datasetsPreview of a large file', () => {
  it('runs in a dataset-preview job and answers as a preview in main does; a small file starts no job', async () => {
    const { services } = temp
    const path = alpacaFile('large-preview.jsonl', 60_000)
    expect(statSync(path).size).toBeGreaterThan(PREVIEW_IN_PROCESS_MAX_BYTES)
    const large = watchJob(services, 'dataset-preview')
    const preview = await dispatchCall(services, 'datasetsPreview', { path, limit: 50 })
    large.stop()
    expect(large.jobId, 'no dataset-preview job started').not.toBeNull()
    expect(large.events.at(-1)).toMatchObject({ type: 'ended', state: 'completed' })
    const inMain = await previewFile({ path, template: 'auto', trainOnPrompt: false, model: null, maxLength: null, limit: 50 }, unwatchedWork)
    expect(preview).toEqual({ ok: true, data: DatasetPreview.parse(inMain) })

    const small = watchJob(services, 'dataset-preview')
    const smallPath = alpacaFile('small-preview.jsonl', 10)
    expect((await dispatchCall(services, 'datasetsPreview', { path: smallPath, limit: 5 })).ok).toBe(true)
    small.stop()
    expect(small.jobId).toBeNull()
  }, 60_000)

  it('answers a job\'s error with its code: a large file that is not JSON Lines at all', async () => {
    const { services } = temp
    const path = join(temp.dir, 'binary.jsonl')
    writeFileSync(path, Buffer.alloc(PREVIEW_IN_PROCESS_MAX_BYTES + 1024, 0))
    const job = watchJob(services, 'dataset-preview')
    const result = await dispatchCall(services, 'datasetsPreview', { path })
    job.stop()
    expect(job.events.at(-1)).toMatchObject({ type: 'ended', state: 'failed' })
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining(path) } })
  }, 60_000)
})
