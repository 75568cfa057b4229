// The cluster job trains what the studio trains. A run trains in the app (the store, the run
// folder, onnxruntime); the same run exported with --format torchrun trains under Debian's PyTorch
// 1.13 with `python3 train.py`: the loss of every step agrees within 1e-4 relative, for MoV, MoLoRA,
// (IA)³ and LoRA on llama, gpt2 and T5, with SGD and with AdamW. Two gloo processes give the
// one-process losses (within 1e-5), whether they split the accumulated micro-batches or the rows of
// each; and `runs import-job` brings the job's curve into the history.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../../main/contract'
import { isRouterMetric } from '../../../../main/contract/router-metrics'
import type { AdapterConfigInput } from '../../../../main/engine/adapters'
import { exportAdapter } from '../../../../main/export'
import { floatValues, readSafetensorsHeader, readTensorBytes } from '../../../../main/runtime/safetensors'
import { openStore } from '../../../../main/store'
import { readAdapterFolder } from '../../../../main/train/adapter-files'
import { importJob } from '../../../../main/train/import-job'
import { runTraining } from '../../../../main/train/run-training'
import { freePort, PYTHON, pythonHasTorch, runPythonAsync } from '../../../helpers/python-torch'
import { makeTempDir } from '../../../helpers/temp-dir'
import { writeTinyModel, type TinyArch } from '../../../helpers/tiny-models'
import { writePromptCompletionFile } from '../../train/support'

const METHODS: AdapterConfigInput[] = [
  { method: 'mov', experts: 3 },
  { method: 'molora', experts: 3, rank: 2 },
  { method: 'ia3' },
  { method: 'lora', rank: 4 },
]
const OPTIMIZERS = [
  { optimizer: 'sgd', lr: 0.1, schedule: 'constant', warmup_steps: 0 },
  { optimizer: 'adamw', lr: 0.01, weight_decay: 0.01, schedule: 'cosine', warmup_steps: 1 },
] as const
const ARCHS: TinyArch[] = ['llama', 'gemma3_text', 'gpt2', 't5']

let tmp: ReturnType<typeof makeTempDir>
let dataDir: string
const models = new Map<TinyArch, { model: string; train: string }>()

beforeAll(() => {
  tmp = makeTempDir('ms-job-vs-app-')
  dataDir = join(tmp.dir, 'home')
  for (const arch of ARCHS) {
    const model = writeTinyModel(join(tmp.dir, arch), arch).dir
    const train = join(tmp.dir, `${arch}.jsonl`)
    // The tiny GPT-2 reads 64 positions: plain text rows fit; T5 needs a prompt for its encoder.
    if (arch === 'gpt2') writeFileSync(train, Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: ['abc cab', 'bca abc dd', 'cab eed fab', 'dde bad'][i % 4] })).join('\n') + '\n')
    else writePromptCompletionFile(train, 20)
    models.set(arch, { model, train })
  }
})
afterAll(() => tmp.remove())

function config(arch: TinyArch, adapter: AdapterConfigInput, train: Record<string, unknown>): RunConfig {
  const { model, train: file } = models.get(arch)!
  return RunConfig.parse({
    model,
    // Within the tiny GPT-2's 64 positions, which the export (like Start) refuses to exceed.
    data: { train: file, max_length: arch === 'gpt2' ? 64 : 128 },
    adapter,
    train: { batch_size: 4, grad_accum: 2, max_steps: 5, max_grad_norm: 1, seed: 11, save_every: 1000, eval_every: 1000, ...train },
    device: 'cpu',
  })
}

/** Trains the run in the app; returns its id and loss curve. */
async function appRun(runConfig: RunConfig, name: string): Promise<{ runId: string; losses: number[] }> {
  const store = openStore(dataDir)
  const runId = store.runs.create({ name, config: runConfig, method: runConfig.adapter.method }).id
  store.close()
  const outcome = await runTraining({ dataDir, runId, threads: 1 })
  expect(outcome.error).toBeNull()
  const after = openStore(dataDir)
  try {
    return { runId, losses: after.metrics.curve(runId, 'loss').map((p) => p.value) }
  } finally {
    after.close()
  }
}

async function exportJob(runId: string, out: string): Promise<string> {
  const store = openStore(dataDir)
  try {
    return (await exportAdapter({ runId }, { format: 'torchrun', out }, { store, dataDir })).path
  } finally {
    store.close()
  }
}

interface StepLine { step: number; loss: number; lr: number; grad_norm: number; tokens: number }

function stepLines(out: string): StepLine[] {
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StepLine & { event?: string }).filter((l) => l.event === undefined && 'loss' in l)
}

/** The largest change of any adapter value from adapter_init.safetensors to the job's out/adapter. */
function adapterMoved(dir: string): number {
  const init = readSafetensorsHeader(join(dir, 'adapter_init.safetensors'))
  const final = readAdapterFolder(join(dir, 'out', 'adapter'))
  let moved = 0
  for (const [name, tensor] of final.tensors) {
    const start = floatValues('F32', readTensorBytes(init, name))!
    tensor.data.forEach((v, i) => (moved = Math.max(moved, Math.abs(v - start[i]))))
  }
  return moved
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12)
}

describe.skipIf(!pythonHasTorch())(`the cluster job against the app's own training (${PYTHON}, PyTorch 1.13)`, () => {
  for (const arch of ARCHS) {
    it(`${arch}: MoV, MoLoRA, (IA)³ and LoRA, 5 SGD and 5 AdamW steps: train.py's losses equal the app's within 1e-4`, async () => {
      const jobs: Promise<{ what: string; app: number[]; job: StepLine[]; moved: number }>[] = []
      for (const adapter of METHODS) {
        for (const optimizer of OPTIMIZERS) {
          const what = `${arch} ${adapter.method} ${optimizer.optimizer}`
          const { runId, losses } = await appRun(config(arch, adapter, optimizer), what)
          const dir = await exportJob(runId, join(tmp.dir, 'jobs', what.replaceAll(' ', '-')))
          // The Python processes run while the app trains the next case.
          jobs.push(runPythonAsync([join(dir, 'train.py'), '--threads', '1'], { cwd: tmp.dir }).then(() => ({ what, app: losses, job: stepLines(join(dir, 'out')), moved: adapterMoved(dir) })))
        }
      }
      for (const { what, app, job, moved } of await Promise.all(jobs)) {
        expect(app, what).toHaveLength(5)
        expect(job.map((l) => l.step), what).toEqual([1, 2, 3, 4, 5])
        expect(moved, `${what}: the job's final adapter is not its starting one`).toBeGreaterThan(1e-4)
        job.forEach((line, i) => expect(relative(line.loss, app[i]), `${what} step ${i + 1}: job ${line.loss}, app ${app[i]}`).toBeLessThan(1e-4))
      }
    }, 600_000)
  }

  it('two gloo processes give the one-process losses, splitting micro-batches or rows; import-job brings the curve home', async () => {
    const cases = [
      // grad_accum 2 over 2 processes: each takes whole micro-batches, balancing term included.
      { what: 'micro-batches', adapter: { method: 'mov', experts: 3, load_balancing_coefficient: 0.05 } as AdapterConfigInput, train: { grad_accum: 2 } },
      // grad_accum 1: each takes every other row of the batch, weighted by its label tokens.
      { what: 'rows', adapter: { method: 'lora', rank: 4 } as AdapterConfigInput, train: { grad_accum: 1, batch_size: 5 } },
    ]
    for (const { what, adapter, train } of cases) {
      const { runId, losses } = await appRun(config('llama', adapter, { ...OPTIMIZERS[1], ...train }), `gloo ${what}`)
      const dir = await exportJob(runId, join(tmp.dir, 'jobs', `gloo-${what}`))
      const port = String(await freePort())
      const env = (rank: number) => ({ MASTER_ADDR: '127.0.0.1', MASTER_PORT: port, WORLD_SIZE: '2', RANK: String(rank), LOCAL_RANK: String(rank) })
      // One process started as torchrun starts it (WORLD_SIZE 1) joins a process group too, as one GPU's NCCL run does.
      await runPythonAsync([join(dir, 'train.py'), '--threads', '1', '--out', join(dir, 'one')], { env: { ...env(0), WORLD_SIZE: '1' } })
      expect(JSON.parse(readFileSync(join(dir, 'one', 'metrics.jsonl'), 'utf8').split('\n')[0])).toMatchObject({ event: 'start', world_size: 1, backend: 'gloo' })
      await Promise.all([0, 1].map((rank) => runPythonAsync([join(dir, 'train.py'), '--threads', '1', '--out', join(dir, 'two')], { env: env(rank) })))
      const one = stepLines(join(dir, 'one'))
      const two = stepLines(join(dir, 'two'))
      if (what === 'rows') {
        // Started again after its end, the two processes leave at once, changing nothing.
        const before = readFileSync(join(dir, 'two', 'metrics.jsonl'), 'utf8')
        const again = String(await freePort())
        const outs = await Promise.all([0, 1].map((rank) => runPythonAsync([join(dir, 'train.py'), '--threads', '1', '--out', join(dir, 'two')], { env: { ...env(rank), MASTER_PORT: again }, timeoutMs: 60_000 })))
        expect(outs[0]).toContain('the job is complete at step 5')
        expect(readFileSync(join(dir, 'two', 'metrics.jsonl'), 'utf8')).toBe(before)
      }
      expect(two.map((l) => l.step), what).toEqual([1, 2, 3, 4, 5])
      two.forEach((line, i) => {
        expect(relative(line.loss, one[i].loss), `${what} step ${i + 1}: two processes ${line.loss}, one ${one[i].loss}`).toBeLessThan(1e-5)
        expect(line.tokens, `${what}: the global batch is the same`).toBe(one[i].tokens)
      })
      one.forEach((line, i) => expect(relative(line.loss, losses[i]), `${what} step ${i + 1}`).toBeLessThan(1e-4))

      // The two-process job comes home as a run whose curve is the job's.
      const store = openStore(dataDir)
      try {
        const imported = importJob(store, dataDir, { folder: dir, out: join(dir, 'two') })
        expect(imported.status).toBe('completed')
        expect(imported.trainedOn).toMatch(/cluster job \(torchrun\): 2 × CPU/)
        // The Expert routing panel's statistics (steps 1 and 5 here) come home too, equal to the app's.
        const routerNames = store.metrics.names(runId).filter(isRouterMetric)
        expect(routerNames.length > 0, what).toBe(adapter.method === 'mov')
        expect(store.metrics.names(imported.runId).filter(isRouterMetric).sort()).toEqual([...routerNames].sort())
        for (const name of routerNames) {
          const app = store.metrics.curve(runId, name)
          const job = store.metrics.curve(imported.runId, name)
          expect(job.map((p) => p.step), name).toEqual([1, 5])
          expect(app.map((p) => p.step), name).toEqual([1, 5])
          job.forEach((p, i) => expect(Math.abs(p.value - app[i].value), `${name} step ${p.step}`).toBeLessThan(1e-5))
        }
        const curve = store.metrics.curve(imported.runId, 'loss')
        expect(curve.map((p) => p.step)).toEqual([1, 2, 3, 4, 5])
        curve.forEach((p, i) => {
          expect(p.value).toBeCloseTo(two[i].loss, 10)
          expect(relative(p.value, losses[i])).toBeLessThan(1e-4)
        })
      } finally {
        store.close()
      }
    }
  }, 600_000)
})
