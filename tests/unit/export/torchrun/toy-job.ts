// A cluster job folder around fixtures/toy_model.py, laid out as the spec's job folder (job.json,
// model.py, train.py, adapter_init.safetensors, data/*.npy, a model folder), and the runs of
// train.py over it with Debian's Python (tests/helpers/python-torch.ts: PyTorch 1.13 and numpy).
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAdapterConfig } from '../../../../main/engine/adapters'
import { Rng } from '../../../../main/engine/random'
import { writeSafetensors } from '../../../../main/runtime/safetensors'
import { nativeAdapterConfig } from '../../../../main/train/adapter-files'
import type { TrainingExample } from '../../../../main/train/batches'
import { batchPlan, writeExamples } from '../../../../main/export/torchrun/job-folder'
import { writeNpy } from '../../../../main/export/torchrun/npy'
import type { TrainSettings } from '../../../../main/train/trainer'
import { freePort, PYTHON, spawnPython, type PythonRun } from '../../../helpers/python-torch'
import { toyParameters, type ToyWeights } from './toy-model'

export const TRAIN_PY = join(__dirname, '../../../../main/export/torchrun/python/train.py')
const TOY_MODEL_PY = join(__dirname, 'fixtures/toy_model.py')

export function toyWeights(seed: number, vocab = 11, dim = 6, rank = 2): ToyWeights {
  const rng = new Rng(seed)
  return { vocab, dim, rank, embed: rng.normalArray(vocab * dim, 0, 1), head: rng.normalArray(dim * vocab, 0, 0.5) }
}

/** The adapter's starting values: ia3 near 1, A and B small and nonzero (so every gradient moves). */
export function toyInit(w: ToyWeights, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed)
  return new Map([
    ['toy.ia3', Float32Array.from(rng.normalArray(w.dim, 1, 0.1))],
    ['toy.lora_A.weight', rng.normalArray(w.rank * w.dim, 0, 0.3)],
    ['toy.lora_B.weight', rng.normalArray(w.vocab * w.rank, 0, 0.3)],
  ])
}

/**
 * `count` examples of 2..9 tokens; decoder-only: trained after a prompt of 1..3 (one example
 * trained throughout, one with an untrained token inside the completion); T5: always a prompt.
 */
export function toyExamples(count: number, vocab: number, seed: number): TrainingExample[] {
  const rng = new Rng(seed)
  return Array.from({ length: count }, (_, i) => {
    const length = 2 + Math.floor(rng.uniform() * 8)
    const prompt = Math.min(length - 1, 1 + Math.floor(rng.uniform() * 3))
    const inputIds = Int32Array.from({ length }, () => Math.floor(rng.uniform() * vocab))
    const trained = Uint8Array.from({ length }, (_, t) => (t >= prompt ? 1 : 0))
    if (i === 3) trained.fill(1)
    if (i === 5 && length > 3) trained[length - 2] = 0
    return { line: i + 1, inputIds, trained }
  })
}

/** A T5 example needs a prompt: the "trained throughout" one gets its first token untrained. */
export function withPrompts(examples: TrainingExample[]): TrainingExample[] {
  return examples.map((e) => ({ ...e, trained: e.trained.map((v, t) => (t === 0 ? 0 : v)) }))
}

export interface ToyJob {
  dir: string
  modelDir: string
  weights: ToyWeights
  init: Map<string, Float32Array>
  settings: TrainSettings
  seq2seq: boolean
  aux: boolean
  train: TrainingExample[]
  validation: TrainingExample[]
  adapterConfigAt(step: number | null): ReturnType<typeof nativeAdapterConfig>
}

export interface ToyJobInput {
  settings: TrainSettings
  seq2seq: boolean
  aux: boolean
  train: TrainingExample[]
  validation: TrainingExample[]
  weights: ToyWeights
  init: Map<string, Float32Array>
}

export const TOY_LAYOUT = { padTokenId: 1, decoderStartTokenId: 2 }

export function writeToyJob(dir: string, input: ToyJobInput): ToyJob {
  const { settings, weights } = input
  mkdirSync(join(dir, 'data'), { recursive: true })
  const modelDir = join(dir, 'toy-model')
  mkdirSync(modelDir)
  writeNpy(join(modelDir, 'E.npy'), weights.embed, [weights.vocab, weights.dim])
  writeNpy(join(modelDir, 'W.npy'), weights.head, [weights.dim, weights.vocab])

  const toy = readFileSync(TOY_MODEL_PY, 'utf8')
    .replace('SEQ2SEQ = False', `SEQ2SEQ = ${input.seq2seq ? 'True' : 'False'}`)
    .replace('HAS_AUX_LOSS = False', `HAS_AUX_LOSS = ${input.aux ? 'True' : 'False'}`)
  writeFileSync(join(dir, 'model.py'), toy)
  copyFileSync(TRAIN_PY, join(dir, 'train.py'))

  const parameters = toyParameters(weights)
  writeSafetensors(join(dir, 'adapter_init.safetensors'), parameters.map((p) => ({ name: p.name, dtype: 'float32' as const, shape: p.shape, data: input.init.get(p.name)! })))
  writeExamples(join(dir, 'data'), 'train', input.train)
  writeExamples(join(dir, 'data'), 'validation', input.validation)
  // The export's own plan: walked from BatchOrder, which the app's Trainer these runs are compared with walks too.
  const plan = batchPlan(settings, input.train.length)
  writeNpy(join(dir, 'data', 'plan.npy'), plan.indices, [plan.steps, settings.grad_accum, settings.batch_size])
  writeNpy(join(dir, 'data', 'positions.npy'), plan.positions, [plan.steps, 2])

  const adapterConfigAt = (step: number | null) => toyAdapterConfig(weights, modelDir, step)
  const job = {
    format: 'mixture-studio-torchrun',
    version: 1,
    job_id: `toy-${Math.floor(Math.random() * 1e9)}`,
    created_at: new Date().toISOString(),
    studio_version: 'test',
    run: null,
    // The run configuration as the studio parsed it; train.py reads early_stopping from it.
    config: { train: settings },
    model: { path: modelDir, family: input.seq2seq ? 't5' : 'llama', stored_dtype: 'float32' },
    adapter_config: adapterConfigAt(null),
    parameters,
    layout: { seq2seq: input.seq2seq, pad_token_id: TOY_LAYOUT.padTokenId, decoder_start_token_id: TOY_LAYOUT.decoderStartTokenId },
    train: {
      optimizer: settings.optimizer, lr: settings.lr, schedule: settings.schedule, warmup_steps: settings.warmup_steps,
      weight_decay: settings.weight_decay, max_grad_norm: settings.max_grad_norm, grad_accum: settings.grad_accum,
      batch_size: settings.batch_size, total_steps: plan.steps, eval_every: settings.eval_every, save_every: settings.save_every,
      seed: settings.seed, precision: settings.precision, gradient_checkpointing: false,
    },
    data: { train_examples: input.train.length, validation_examples: input.validation.length },
  }
  writeFileSync(join(dir, 'job.json'), `${JSON.stringify(job, null, 2)}\n`)
  return { dir, modelDir, adapterConfigAt, ...input }
}

/** adapter_config.json of the toy's adapter (an (IA)³ config: the format's reader parses it). */
export function toyAdapterConfig(weights: ToyWeights, modelDir: string, step: number | null) {
  const parameters = toyParameters(weights)
  const trainable = parameters.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)
  const base = { path: modelDir, model_type: 'toy', architecture: 'ToyLM', hidden_size: weights.dim, num_layers: 1, vocab_size: weights.vocab }
  return nativeAdapterConfig(parseAdapterConfig({ method: 'ia3' }), base, trainable, step)
}

/** train.py of `job` with `args`; throws with its stderr when it fails. */
export async function trainPy(job: ToyJob, args: string[], env: Record<string, string> = {}): Promise<PythonRun> {
  const run = await spawnPython([join(job.dir, 'train.py'), '--threads', '1', ...args], { cwd: job.dir, env })
  if (run.code !== 0) throw new Error(`train.py ${args.join(' ')} exited with ${run.code}:\n${run.stderr}\n${run.stdout}`)
  return run
}

/**
 * train.py of `job`, sent SIGTERM once its stdout shows `when` (as Slurm's time limit would), then
 * waited for; SIGKILL after `limitMs` should it not stop.
 */
export function trainPyTerminated(job: ToyJob, args: string[], when: RegExp, limitMs = 30_000): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(job.dir, 'train.py'), '--threads', '1', ...args], { cwd: job.dir, env: { ...process.env, OMP_NUM_THREADS: '1' } })
    let stdout = ''
    let stderr = ''
    let sent = false
    const limit = setTimeout(() => child.kill('SIGKILL'), limitMs)
    child.stdout.on('data', (d) => {
      stdout += d
      if (!sent && when.test(stdout)) {
        sent = true
        child.kill('SIGTERM')
      }
    })
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(limit)
      resolve({ code, stdout, stderr })
    })
  })
}

/** train.py as `world` gloo processes on this machine (MASTER_ADDR/PORT, RANK, WORLD_SIZE: no torchrun). */
export async function trainPyDistributed(job: ToyJob, world: number, args: string[]): Promise<PythonRun[]> {
  const port = await freePort()
  const runs = await Promise.all(
    Array.from({ length: world }, (_, rank) =>
      spawnPython([join(job.dir, 'train.py'), '--threads', '1', ...args], {
        cwd: job.dir,
        env: { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), RANK: String(rank), LOCAL_RANK: String(rank), WORLD_SIZE: String(world) },
      }),
    ),
  )
  runs.forEach((run, rank) => {
    if (run.code !== 0) throw new Error(`train.py rank ${rank} of ${world} exited with ${run.code}:\n${run.stderr}`)
  })
  return runs
}

export interface MetricLine {
  event?: string
  step?: number
  loss?: number
  lr?: number
  grad_norm?: number
  tokens?: number
  aux_loss?: number
  epoch?: number
  eval_loss?: number
  eval_tokens?: number
  [key: string]: unknown
}

export function readMetrics(path: string): MetricLine[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricLine)
}
