// `runs import-job`: a cluster job's run brought into the history. The job folder is made from a
// run the app trained (tests/helpers/cluster-job-folder.ts): its real checkpoints and adapter, and
// the metrics.jsonl train.py would have written for it.
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { exportAdapter } from '../../../main/export'
import { openStore, runsDir, type Store } from '../../../main/store'
import { IMPORT_ORIGIN_FILE } from '../../../main/store/import-origin-file'
import { reregisterRunFolders } from '../../../main/store/reregister-runs'
import { readAdapterFolder, writeAdapterFiles } from '../../../main/train/adapter-files'
import { readCheckpoint, OPTIMIZER_FILE } from '../../../main/train/checkpoint'
import { importJob, ImportJobError } from '../../../main/train/import-job'
import { importTempFolder } from '../../../main/train/import-job/import-temp'
import { runFolder, runTraining } from '../../../main/train/run-training'
import { readSafetensorsHeader, readTensorBytes, writeSafetensors } from '../../../main/runtime/safetensors'
import { clusterJobFromRun, type ClusterJobFolder } from '../../helpers/cluster-job-folder'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from './support'

const CURVES = ['loss', 'lr', 'grad_norm', 'tokens', 'eval_loss']

let tmp: ReturnType<typeof makeTempDir>
let appDir: string
let appStore: Store
let trainedRun: string
let job: ClusterJobFolder
let homes = 0

beforeAll(async () => {
  tmp = makeTempDir('ms-import-job-')
  appDir = join(tmp.dir, 'app')
  const model = writeTinyModel(join(tmp.dir, 'model'), 'qwen2').dir
  const train = writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 24)
  const config = RunConfig.parse({
    name: 'tiny mov',
    model,
    data: { train, split: 4, max_length: 64 },
    adapter: { method: 'mov', experts: 2 },
    train: { lr: 0.05, batch_size: 4, max_steps: 6, eval_every: 2, save_every: 2, seed: 5 },
    device: 'cpu',
  })
  appStore = openStore(appDir)
  trainedRun = appStore.runs.create({ name: 'tiny mov', config, method: 'mov' }).id
  appStore.close()
  expect(await runTraining({ dataDir: appDir, runId: trainedRun, threads: 1 })).toMatchObject({ status: 'completed', step: 6 })
  appStore = openStore(appDir)
  job = clusterJobFromRun(appStore, appDir, trainedRun, join(tmp.dir, 'job'))
}, 120_000)

afterAll(() => {
  appStore?.close()
  tmp?.remove()
})

/** A fresh, empty studio to import into. */
function freshHome(): { dataDir: string; store: Store } {
  const dataDir = join(tmp.dir, `home-${++homes}`)
  return { dataDir, store: openStore(dataDir) }
}

/** A copy of the job folder to spoil. */
function jobCopy(): string {
  const dir = join(tmp.dir, `job-copy-${++homes}`)
  cpSync(job.dir, dir, { recursive: true })
  return dir
}

function curves(store: Store, runId: string): Record<string, { step: number; value: number }[]> {
  return Object.fromEntries(CURVES.map((name) => [name, store.metrics.curve(runId, name)]))
}

describe('runs import-job', () => {
  it('brings the run home: the same curve, its checkpoints and adapter registered and readable, and where it trained', () => {
    const { dataDir, store } = freshHome()
    try {
      const imported = importJob(store, dataDir, { folder: job.dir, now: new Date('2026-12-05T12:00:00Z') })
      expect(imported).toMatchObject({ status: 'completed', step: 6, checkpoints: [2, 4, 6], stopped: null, jobId: job.jobId, name: 'tiny mov (cluster job)' })
      const run = store.runs.get(imported.runId)!
      expect(run).toMatchObject({
        status: 'completed',
        method: 'mov',
        totalSteps: 6,
        trainedOn: 'cluster job (torchrun): 1 × CPU, fp32, PyTorch 1.13.1 on node17',
        startedAt: '2026-12-05T10:00:00.000Z',
        finishedAt: '2026-12-05T10:05:00.000Z',
        trainingSeconds: 300,
        pid: null,
        // The checkpoint that scored best on eval_loss, as the app's own run marked it.
        bestStep: appStore.runs.get(trainedRun)!.bestStep,
        stoppedEarly: false,
      })
      expect(run.bestStep).not.toBeNull()
      expect(RunConfig.parse(run.config)).toEqual(appStore.runs.get(trainedRun)!.config)
      expect(curves(store, imported.runId)).toEqual(curves(appStore, trainedRun))
      // tokens / seconds, the seconds written as tokens / tokens_per_s
      const speed = store.metrics.curve(imported.runId, 'tokens_per_s')
      appStore.metrics.curve(trainedRun, 'tokens_per_s').forEach((p, i) => expect(speed[i].value).toBeCloseTo(p.value, 6))
      expect(store.importedJobs.ofRun(imported.runId)).toEqual({ runId: imported.runId, jobId: job.jobId, folder: job.dir, importedAt: '2026-12-05T12:00:00.000Z' })

      const folder = runFolder(dataDir, imported.runId)
      expect(store.artifacts.listCheckpoints(imported.runId).map((c) => [c.step, c.path])).toEqual([2, 4, 6].map((s) => [s, join(folder, 'checkpoints', `step-${s}`)]))
      for (const c of store.artifacts.listCheckpoints(imported.runId)) {
        const copy = readCheckpoint(c.path)
        const original = readCheckpoint(join(runFolder(appDir, trainedRun), 'checkpoints', `step-${c.step}`))
        expect(copy.state).toEqual(original.state)
        expect(copy.parameters).toEqual(original.parameters)
        expect(copy.optimizer).toEqual(original.optimizer)
      }
      expect(store.artifacts.listExports(imported.runId)).toEqual([expect.objectContaining({ format: 'native', path: join(folder, 'adapter') })])
      expect(readAdapterFolder(join(folder, 'adapter')).tensors).toEqual(readAdapterFolder(join(runFolder(appDir, trainedRun), 'adapter')).tensors)
      // As a run's training writes it: a restore can register the run again from its folder.
      expect(RunConfig.parse(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')))).toEqual(run.config)
      expect(store.runLog.list(imported.runId, {}).map((l) => l.message)).toEqual([expect.stringContaining(`imported from the cluster job at ${job.dir} (job ${job.jobId}): 6 steps, 3 checkpoints and its adapter`)])
      // Nothing temporary is left beside it.
      expect(readdirSync(runsDir(dataDir))).toEqual([imported.runId])
    } finally {
      store.close()
    }
  })

  it('removes what an import killed midway left behind, and leaves an import still running alone', () => {
    const { dataDir, store } = freshHome()
    try {
      // A process that has ended (as a killed import's has), and this one, alive.
      const ended = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!
      const abandoned = importTempFolder(runsDir(dataDir), randomUUID(), ended)
      const running = importTempFolder(runsDir(dataDir), randomUUID(), process.pid)
      for (const dir of [abandoned, running]) cpSync(join(job.dir, 'out', 'checkpoints'), join(dir, 'checkpoints'), { recursive: true })
      const imported = importJob(store, dataDir, { folder: job.dir })
      expect(readdirSync(runsDir(dataDir)).sort()).toEqual([imported.runId, basename(running)].sort())
    } finally {
      store.close()
    }
  })

  // A backup made before the import, restored: the run is registered again from its folder
  // (reregister-runs.ts), and imported-from.json gives back where it trained and its job, so the
  // same job is still refused as a second run. A damaged origin file loses only the origin.
  it('keeps its origin when the store is restored from a backup made before the import', () => {
    const { dataDir, store } = freshHome()
    let imported: ReturnType<typeof importJob>
    let original: ReturnType<Store['runs']['get']>
    try {
      imported = importJob(store, dataDir, { folder: job.dir, now: new Date('2026-12-01T10:00:00Z') })
      original = store.runs.get(imported.runId)
    } finally {
      store.close()
    }
    const restore = (spoil?: (folder: string) => void) => {
      const home = freshHome()
      cpSync(runFolder(dataDir, imported.runId), runFolder(home.dataDir, imported.runId), { recursive: true })
      spoil?.(runFolder(home.dataDir, imported.runId))
      const { runs, skipped } = reregisterRunFolders(home.store.db, home.dataDir, 'studio-2026-11-30.db')
      expect(skipped).toEqual([])
      expect(runs.map((r) => [r.id, r.status])).toEqual([[imported.runId, 'completed']])
      return home
    }
    const home = restore()
    try {
      // What its record said, not its files' times (they are the import's).
      expect(home.store.runs.get(imported.runId)).toMatchObject({ name: 'tiny mov (cluster job)', trainedOn: imported.trainedOn, startedAt: original!.startedAt, finishedAt: original!.finishedAt, trainingSeconds: original!.trainingSeconds })
      expect(home.store.importedJobs.byJobId(job.jobId)).toEqual({ runId: imported.runId, jobId: job.jobId, folder: job.dir, importedAt: '2026-12-01T10:00:00.000Z' })
      expect(home.store.runLog.list(imported.runId, {}).at(-1)!.message).toContain(`it was imported from the cluster job at ${job.dir} (job ${job.jobId}) on 2026-12-01T10:00:00.000Z, which is recorded again, with its name and training time`)
      expect(catchError(() => importJob(home.store, home.dataDir, { folder: jobCopy() }))).toMatchObject({ reason: 'already_imported' })
    } finally {
      home.store.close()
    }
    const damaged = restore((folder) => writeFileSync(join(folder, IMPORT_ORIGIN_FILE), '{"job_id": 7}'))
    try {
      expect(damaged.store.runs.get(imported.runId)!.trainedOn).toMatch(/^not recorded/)
      expect(damaged.store.importedJobs.byJobId(job.jobId)).toBeUndefined()
      expect(damaged.store.runLog.list(imported.runId, {}).at(-1)!.message).toMatch(/it came from a cluster job, but .*imported-from\.json: job_id: .*, so its origin is lost$/)
    } finally {
      damaged.store.close()
    }
  })

  it('exports the imported run as native, from its own adapter', async () => {
    const { dataDir, store } = freshHome()
    try {
      const { runId } = importJob(store, dataDir, { folder: job.dir })
      const out = join(tmp.dir, 'native-export')
      const result = await exportAdapter({ runId }, { format: 'native', out }, { store, dataDir })
      expect(result).toMatchObject({ format: 'native', runId, recorded: true })
      expect(readAdapterFolder(out).tensors).toEqual(readAdapterFolder(join(runFolder(appDir, trainedRun), 'adapter')).tensors)
    } finally {
      store.close()
    }
  })

  it('refuses the same job a second time, naming the run it already is, and changes nothing', () => {
    const { dataDir, store } = freshHome()
    try {
      const first = importJob(store, dataDir, { folder: job.dir })
      const error = catchError(() => importJob(store, dataDir, { folder: jobCopy() }))
      expect(error).toBeInstanceOf(ImportJobError)
      expect(error).toMatchObject({ reason: 'already_imported' })
      expect(error.message).toMatch(new RegExp(`job ${job.jobId} was imported already, as run "tiny mov \\(cluster job\\)" \\(${first.runId}\\)`))
      expect(store.runs.list({ limit: 10 }).map((r) => r.id)).toEqual([first.runId])
      expect(readdirSync(runsDir(dataDir))).toEqual([first.runId])
    } finally {
      store.close()
    }
  })

  it('a job that stopped before its end comes home cancelled at its newest checkpoint, and Resume trains it to the same losses', async () => {
    const dir = jobCopy()
    const metricsFile = join(dir, 'out', 'metrics.jsonl')
    // Killed after step 5's line: step 6's lines, its checkpoint, its end line and adapter never written.
    const upToStep5 = job.metricsLines.filter((line) => { const l = JSON.parse(line) as { step?: number; event?: string }; return l.event === 'start' || (l.step !== undefined && l.step <= 5 && l.event === undefined) })
    // ...and killed again while writing step 6's line: a line cut short, with no newline after it.
    writeFileSync(metricsFile, `${upToStep5.join('\n')}\n{"step": 6, "loss": 1.2`)
    rmSync(join(dir, 'out', 'checkpoints', 'step-6'), { recursive: true })
    rmSync(join(dir, 'out', 'adapter'), { recursive: true })
    const { dataDir, store } = freshHome()
    let runId: string
    try {
      const imported = importJob(store, dataDir, { folder: dir })
      runId = imported.runId
      expect(imported).toMatchObject({ status: 'cancelled', step: 5, checkpoints: [2, 4], adapter: null })
      expect(imported.stopped).toBe('metrics.jsonl has no end line: the job stopped before its last step, or is still running; imported as cancelled at its newest checkpoint, step 4 (its curve goes on to step 5): Resume trains it on here from there.')
      expect(store.runs.get(runId)).toMatchObject({ status: 'cancelled', error: null })
      expect(store.artifacts.listExports(runId)).toEqual([])
      expect(store.runLog.list(runId, {}).map((l) => [l.level, l.message])).toContainEqual(['warn', imported.stopped])
      expect(store.runLog.list(runId, {}).map((l) => l.message)).toContain(`line ${upToStep5.length + 1} of metrics.jsonl was cut short (the job was killed while writing it) and is left out`)
      expect(existsSync(join(runFolder(dataDir, runId), 'adapter'))).toBe(false)
    } finally {
      store.close()
    }
    // The app's own resume: from step 4's checkpoint, on this machine.
    expect(await runTraining({ dataDir, runId, threads: 1 })).toMatchObject({ status: 'completed', step: 6 })
    const home = openStore(dataDir)
    try {
      const resumed = home.metrics.curve(runId, 'loss')
      const trainedHere = appStore.metrics.curve(trainedRun, 'loss')
      expect(resumed.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6])
      resumed.forEach((p, i) => expect(Math.abs(p.value - trainedHere[i].value)).toBeLessThan(1e-6))
      expect(home.runs.get(runId)?.status).toBe('completed')
    } finally {
      home.close()
    }
  }, 60_000)

  it('a job resumed on the cluster: one curve, trained on where it ran last, its time the steps\' own', () => {
    const dir = jobCopy()
    // As train.py resumes from step 4's checkpoint: a resume line after step 4's lines, on another node.
    const afterStep4 = job.metricsLines.findIndex((line) => (JSON.parse(line) as { step?: number; loss?: number }).step === 5)
    const resume = { event: 'resume', job_id: job.jobId, step: 4, world_size: 2, device: 'cpu', backend: 'gloo', precision: 'fp32', torch: '1.13.1', hostname: 'node18', resumed_at: '2026-12-05T11:00:00.000Z' }
    rewriteMetrics(dir, (lines) => [...lines.slice(0, afterStep4), JSON.stringify(resume), ...lines.slice(afterStep4)])
    const stepSeconds = job.metricsLines.map((l) => JSON.parse(l) as { loss?: number; seconds?: number }).filter((l) => l.loss !== undefined).reduce((sum, l) => sum + l.seconds!, 0)
    const { dataDir, store } = freshHome()
    try {
      const { runId } = importJob(store, dataDir, { folder: dir })
      expect(store.runs.get(runId)).toMatchObject({ status: 'completed', trainedOn: 'cluster job (torchrun): 2 × CPU, fp32, PyTorch 1.13.1 on node18', startedAt: '2026-12-05T10:00:00.000Z' })
      expect(store.runs.get(runId)!.trainingSeconds).toBeCloseTo(stepSeconds, 6)
      expect(curves(store, runId)).toEqual(curves(appStore, trainedRun))
      expect(store.runLog.list(runId, {})[0].message).toContain('It was resumed 1 time on the cluster.')
    } finally {
      store.close()
    }
  })
})

describe('runs import-job of a job that stopped early', () => {
  it('marks the run stopped early, saying why as train.py did', () => {
    const dir = jobCopy()
    const why = 'stopped early: no improvement of eval_loss in 1 evaluation; best was 2.1 at step 4'
    rewriteMetrics(dir, (lines) => [...lines.slice(0, -1), JSON.stringify({ ...JSON.parse(lines.at(-1)!), stopped_early: why })])
    const { dataDir, store } = freshHome()
    try {
      const { runId } = importJob(store, dataDir, { folder: dir })
      expect(store.runs.get(runId)).toMatchObject({ status: 'completed', stoppedEarly: true })
      expect(store.runLog.list(runId, {}).map((l) => l.message)).toContain(why)
    } finally {
      store.close()
    }
  })
})

describe('runs import-job refuses, naming what is wrong, and leaves the store as it was', () => {
  const cases: { what: string; spoil: (dir: string) => void; message: RegExp }[] = [
    {
      what: 'a metrics line that is not JSON',
      spoil: (dir) => rewriteMetrics(dir, (lines) => lines.map((l, i) => (i === 2 ? l.slice(0, 20) : l))),
      message: /metrics\.jsonl:3: not valid JSON/,
    },
    {
      what: 'a diverged step (Python writes NaN)',
      spoil: (dir) => rewriteMetrics(dir, (lines) => lines.map((l, i) => (i === 2 ? l.replace(/"loss": ?[-\d.e]+/, '"loss": NaN') : l))),
      message: /metrics\.jsonl:3: not valid JSON \(it holds NaN or Infinity: the job diverged at this step\)/,
    },
    {
      what: 'a step line without its learning rate',
      spoil: (dir) => rewriteMetrics(dir, (lines) => lines.map((l, i) => (i === 2 ? JSON.stringify({ ...JSON.parse(l), lr: undefined }) : l))),
      message: /metrics\.jsonl:3: field "lr" is missing; it must be a finite number/,
    },
    {
      what: 'router statistics that are not numbers',
      spoil: (dir) => rewriteMetrics(dir, (lines) => lines.map((l, i) => (i === 2 ? JSON.stringify({ ...JSON.parse(l), routers: [{ module: 'model.layers.0.mlp', load: ['a'], entropy: 0.5 }] }) : l))),
      message: /metrics\.jsonl:3: field "routers" is .*; it must be a list of \{"module": text, "load": \[numbers\], "entropy": number\}/,
    },
    {
      what: "another job's outputs",
      spoil: (dir) => rewriteMetrics(dir, (lines) => [JSON.stringify({ ...JSON.parse(lines[0]), job_id: 'other-job' }), ...lines.slice(1)]),
      message: /metrics\.jsonl:1: field "job_id" is "other-job", but .*job\.json is job ".*": these outputs are another job's/,
    },
    {
      what: 'an end line that does not match the last step',
      spoil: (dir) => rewriteMetrics(dir, (lines) => [...lines.slice(0, -1), JSON.stringify({ event: 'end', step: 9, completed_at: '2026-12-05T10:05:00Z' })]),
      message: /the end line says step 9, but the last step line is step 6/,
    },
    {
      what: "a checkpoint whose adapter does not match job.json's parameters",
      spoil: (dir) => {
        const path = join(dir, 'out', 'checkpoints', 'step-4')
        const folder = readAdapterFolder(path)
        const tensors = [...folder.tensors.values()].map((t) => (t.name === 'model.layers.0.self_attn.k_proj.mov_vectors' ? { ...t, shape: [t.data.length] } : t))
        writeAdapterFiles(path, folder.config, tensors)
      },
      message: /checkpoint .*step-4 \(mov, 2 experts, sites k, v, ffn\) does not fit the job's adapter \(job\.json "parameters"\):\n {2}model\.layers\.0\.self_attn\.k_proj\.mov_vectors has shape \[32\]; needs \[2, 2, 8\]/,
    },
    {
      what: 'a checkpoint whose optimizer state lacks a tensor',
      spoil: (dir) => {
        const path = join(dir, 'out', 'checkpoints', 'step-2', OPTIMIZER_FILE)
        const file = readSafetensorsHeader(path)
        const kept = [...file.tensors.values()].filter((e) => e.name !== 'model.layers.0.mlp.mov_vectors/exp_avg_sq')
        const tensors = kept.map((e) => ({ name: e.name, dtype: 'float32' as const, shape: e.shape, data: new Float32Array(readTensorBytes(file, e.name).slice().buffer) }))
        writeSafetensors(path, tensors, file.metadata)
      },
      message: /step-2\/optimizer\.safetensors: adamw state lacks model\.layers\.0\.mlp\.mov_vectors\/exp_avg_sq/,
    },
    {
      what: 'a final adapter with a NaN',
      spoil: (dir) => {
        const path = join(dir, 'out', 'adapter')
        const folder = readAdapterFolder(path)
        const tensors = [...folder.tensors.values()]
        tensors[0].data[1] = Number.NaN
        writeAdapterFiles(path, folder.config, tensors)
      },
      message: /adapter_model\.safetensors: tensor ".*" has 1 NaN of its \d+ values/,
    },
    {
      what: 'job.json of another format',
      spoil: (dir) => rewriteJob(dir, (j) => ({ ...j, format: 'something-else' })),
      message: /job\.json: "format" is "something-else", expected "mixture-studio-torchrun"/,
    },
    {
      what: 'job.json of a newer version',
      spoil: (dir) => rewriteJob(dir, (j) => ({ ...j, version: 2 })),
      message: /job\.json: job folder version 2 is newer than this Mixture Studio reads \(1\); update the app/,
    },
    {
      what: 'job.json whose configuration is not one the app reads',
      spoil: (dir) => rewriteJob(dir, (j) => ({ ...j, config: { ...(j.config as object), train: { ...(j.config as { train: object }).train, lr: 'fast' } } })),
      message: /job\.json: "config" is not a run configuration this Mixture Studio reads: config\.train\.lr: /,
    },
    {
      what: 'job.json without a job id',
      spoil: (dir) => rewriteJob(dir, (j) => ({ ...j, job_id: undefined })),
      message: /job\.json: job_id: /,
    },
  ]

  for (const { what, spoil, message } of cases) {
    it(what, () => {
      const dir = jobCopy()
      spoil(dir)
      const { dataDir, store } = freshHome()
      try {
        const error = catchError(() => importJob(store, dataDir, { folder: dir }))
        expect(error).toBeInstanceOf(ImportJobError)
        expect(error.message).toMatch(message)
        expect(store.runs.list({ limit: 10 })).toEqual([])
        expect(store.db.prepare('SELECT (SELECT count(*) FROM metrics) + (SELECT count(*) FROM checkpoints) + (SELECT count(*) FROM imported_jobs)').pluck().get()).toBe(0)
        expect(existsSync(runsDir(dataDir)) ? readdirSync(runsDir(dataDir)) : []).toEqual([])
      } finally {
        store.close()
      }
    })
  }

  it('a folder that is not there', () => {
    const { dataDir, store } = freshHome()
    try {
      const error = catchError(() => importJob(store, dataDir, { folder: join(tmp.dir, 'no-such-job') }))
      expect(error).toMatchObject({ reason: 'not_found' })
      expect(error.message).toMatch(/no-such-job is not a folder/)
    } finally {
      store.close()
    }
  })
})

function rewriteMetrics(dir: string, change: (lines: string[]) => string[]): void {
  const file = join(dir, 'out', 'metrics.jsonl')
  writeFileSync(file, `${change(readFileSync(file, 'utf8').trimEnd().split('\n')).join('\n')}\n`)
}

function rewriteJob(dir: string, change: (job: Record<string, unknown>) => Record<string, unknown>): void {
  const file = join(dir, 'job.json')
  writeFileSync(file, JSON.stringify(change(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)))
}

function catchError(fn: () => unknown): Error & { reason?: string } {
  try {
    fn()
  } catch (error) {
    return error as Error & { reason?: string }
  }
  throw new Error('expected it to throw')
}
