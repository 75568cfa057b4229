// docs/BENCHMARKS.md "Against PyTorch eager": the studio's train step (one onnxruntime session)
// against PyTorch eager on the same shape, the same frozen products and the same adapter sites:
// the cluster job's model.py (main/engine/pytorch), which is the studio's own forward graph as torch
// code, trained with torch autograd and torch.optim.AdamW in a Python process. Steps alternate
// (one of each a round), so a shared machine's load falls on both; the ratio is the median of the
// rounds' ratios. On a GPU it is issue 17's comparison: the app's CUDA step against torch on CUDA
// in the app's precision. Skipped, saying why, where the Python has no torch.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseAdapterConfig, type AdapterConfigInput } from '../engine/adapters'
import { emitJobModel, writeConstants } from '../export/torchrun/job-folder'
import { writeNpy } from '../export/torchrun/npy'
import { openModel, type OpenedModel } from '../models'
import { profileFileFor } from '../runtime/placement'
import type { HostTensor } from '../runtime'
import { writeSafetensors } from '../runtime/safetensors'
import { writeBenchLlamaFolder } from './model-folder'
import { stepProfile, type StepProfile } from './op-profile'
import { median } from './timing'
import { benchBatch, openStep, TRAINING_METHODS, TRAINING_SHAPES, type TrainingBenchOptions } from './training'

const STEPS_PY = fileURLToPath(new URL('./python/torch_eager_steps.py', import.meta.url))
const TORCH_DTYPE = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' } as const

export interface PytorchEagerOptions extends TrainingBenchOptions {
  /** A Python with PyTorch (>= 1.13) and numpy. */
  python: string
  /**
   * Also where the app's step spends its time, by op type (`app_profile`, op-profile.ts): the
   * warm-up rounds (at least 2) run with onnxruntime's profiler, the last of them is read, and the
   * timed rounds run without it.
   */
  profile?: boolean
}

export type PytorchEagerFigures =
  | {
      bench: 'pytorch_eager'
      shape: 'small' | 'medium'
      method: string
      batch: number
      seq: number
      device: string
      precision: string
      torch: string
      app_tokens_per_s: number
      torch_tokens_per_s: number
      /** The app's tokens/s over PyTorch eager's (median of per-round ratios): above 1 the app is faster. */
      app_over_torch: number
      app_step_seconds: number
      torch_step_seconds: number
      /** The first step's loss on each side: the same model, batch and start, so they agree. */
      first_loss: { app: number; torch: number }
      /** With `profile`: the app's (last profiled) step by op type, or why it could not be read. */
      app_profile?: StepProfile | { error: string }
    }
  | { bench: 'pytorch_eager'; skipped: string }
  /** A method that could not be measured, and why; the others still are. */
  | { bench: 'pytorch_eager'; method: string; failed: string }

/**
 * `report` receives each method's figures as soon as they are measured, so a run cut short by a
 * time limit (the GPU machine's is tight) still leaves what it finished.
 */
export async function pytorchEagerBench(o: PytorchEagerOptions, report: (figures: PytorchEagerFigures) => void = () => {}): Promise<PytorchEagerFigures[]> {
  const probe = spawnSync(o.python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' })
  const figures: PytorchEagerFigures[] = []
  const add = (f: PytorchEagerFigures) => {
    report(f)
    figures.push(f)
  }
  if (probe.status !== 0) {
    add({ bench: 'pytorch_eager', skipped: `${o.python} cannot import torch and numpy (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').at(-1)}); give a Python with PyTorch: --python PATH` })
    return figures
  }
  const shape = TRAINING_SHAPES[o.shape]
  const folder = writeBenchLlamaFolder(shape)
  const work = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-eager-'))
  try {
    const model = openModel(folder.dir)
    const feeds = benchBatch(shape, o.batch, o.seq)
    const feedsDir = join(work, 'feeds')
    mkdirSync(feedsDir)
    for (const [name, tensor] of Object.entries(feeds)) writeNpy(join(feedsDir, `${name}.npy`), tensor.data as BigInt64Array, tensor.shape)
    const context: MethodContext = { o, model, feeds, feedsDir, modelDir: folder.dir, work, warmup: o.profile ? Math.max(o.warmup, 2) : o.warmup }
    for (const [method, adapter] of Object.entries(TRAINING_METHODS)) {
      // One method failing (a kernel its device lacks, the Python process dying) is reported and
      // the others still run: on the GPU machine there is no second try.
      try {
        add(await measureMethod(context, method, adapter))
      } catch (error) {
        add({ bench: 'pytorch_eager', method, failed: (error as Error).message })
      }
    }
    return figures
  } finally {
    rmSync(work, { recursive: true, force: true })
    folder.remove()
  }
}

interface MethodContext {
  o: PytorchEagerOptions
  model: OpenedModel
  feeds: Record<string, HostTensor>
  feedsDir: string
  modelDir: string
  work: string
  /** Warm-up rounds: at least 2 when profiling. */
  warmup: number
}

/** One method: the app's step and PyTorch's on the same model, batch and start, alternating. */
async function measureMethod({ o, model, feeds, feedsDir, modelDir, work, warmup }: MethodContext, method: string, adapter: AdapterConfigInput): Promise<PytorchEagerFigures> {
  const profilePrefix = o.profile ? join(work, `profile-${method}`) : undefined
  const app = await openStep(model, adapter, o, feeds, profilePrefix)
  try {
    const dir = join(work, method)
    mkdirSync(dir)
    const { emitted, parameters } = emitJobModel(model, parseAdapterConfig(adapter), o.seq)
    writeFileSync(join(dir, 'model.py'), emitted.source)
    if (emitted.constants.length > 0) writeConstants(join(dir, 'constants.safetensors'), emitted.constants)
    const values = app.step.initialValues(1)
    writeSafetensors(join(dir, 'adapter_init.safetensors'), parameters.map((p) => ({ name: p.name, dtype: 'float32' as const, shape: p.shape, data: values.get(p.name)! })))
    const { provider, precision } = app.step.target
    const torch = await TorchSteps.start(o.python, [join(dir, 'model.py'), modelDir, feedsDir, join(dir, 'adapter_init.safetensors'), provider === 'cpu' ? 'cpu' : 'cuda', TORCH_DTYPE[precision], String(o.threads ?? 1)])
    try {
      const appTimes: number[] = []
      const torchTimes: number[] = []
      let first: { app: number; torch: number } | null = null
      let appProfile: StepProfile | { error: string } | undefined
      for (let round = 0; round < warmup + o.reps; round++) {
        if (profilePrefix && round === warmup) {
          app.step.session.endProfiling()
          appProfile = readProfile(profilePrefix)
        }
        const t = performance.now()
        const appLoss = await app.run()
        const appSeconds = (performance.now() - t) / 1000
        const torchStep = await torch.step()
        first ??= { app: appLoss.loss, torch: torchStep.loss }
        if (round < warmup) continue
        appTimes.push(appSeconds)
        torchTimes.push(torchStep.seconds)
      }
      const tokens = o.batch * o.seq
      const appStep = median(appTimes)
      const torchStep = median(torchTimes)
      return {
        bench: 'pytorch_eager', shape: o.shape, method, batch: o.batch, seq: o.seq, device: provider, precision, torch: torch.version,
        app_tokens_per_s: tokens / appStep,
        torch_tokens_per_s: tokens / torchStep,
        app_over_torch: median(appTimes.map((a, i) => torchTimes[i] / a)),
        app_step_seconds: appStep,
        torch_step_seconds: torchStep,
        first_loss: first!,
        ...(appProfile ? { app_profile: appProfile } : {}),
      }
    } finally {
      torch.quit()
    }
  } finally {
    await app.step.session.dispose()
  }
}

/** The profile read, or why it could not be: the timings stand without it. */
function readProfile(prefix: string): StepProfile | { error: string } {
  try {
    return stepProfile(profileFileFor(prefix))
  } catch (error) {
    return { error: (error as Error).message }
  }
}

/**
 * The step process's next JSON line. When it ended instead, waits for its exit (stdout can close
 * before its last stderr is read) and says why: its exit status and its stderr's tail.
 */
async function nextLine(lines: AsyncIterator<string>, ended: Promise<string>): Promise<Record<string, unknown>> {
  const line = await lines.next()
  if (line.done) throw new Error(`the PyTorch step process ended: ${await ended}`)
  return JSON.parse(line.value) as Record<string, unknown>
}

/** The Python step process: one "step" line in, one JSON line out. */
class TorchSteps {
  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly lines: AsyncIterator<string>,
    readonly version: string,
    private readonly ended: Promise<string>,
  ) {}

  static async start(python: string, args: string[]): Promise<TorchSteps> {
    const child = spawn(python, [STEPS_PY, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)))
    // 'close' comes after every stdio stream has ended, so stderr is whole by then.
    const ended = new Promise<string>((resolve) => {
      child.on('error', (error) => resolve(error.message))
      child.on('close', (code, signal) => resolve(`${signal ? `killed by ${signal}` : `exit status ${code}`}${stderr.trim() ? `: ${stderr.trim()}` : ''}`))
    })
    // Writing to a process that died fails with EPIPE; its death is reported through `ended`.
    child.stdin!.on('error', () => {})
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const ready = (await nextLine(lines, ended)) as { torch: string }
    return new TorchSteps(child, lines, ready.torch, ended)
  }

  async step(): Promise<{ seconds: number; loss: number }> {
    this.child.stdin!.write('step\n')
    return (await nextLine(this.lines, this.ended)) as { seconds: number; loss: number }
  }

  quit(): void {
    this.child.stdin!.end('quit\n')
  }
}
