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
import { parseAdapterConfig } from '../engine/adapters'
import { emitJobModel, writeConstants } from '../export/torchrun/job-folder'
import { writeNpy } from '../export/torchrun/npy'
import { openModel } from '../models'
import { profileFileFor } from '../runtime/placement'
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
      /** With `profile`: the app's (last profiled) step by op type. */
      app_profile?: StepProfile
    }
  | { bench: 'pytorch_eager'; skipped: string }

/**
 * `report` receives each method's figures as soon as they are measured, so a run cut short by a
 * time limit (the GPU machine's is tight) still leaves what it finished.
 */
export async function pytorchEagerBench(o: PytorchEagerOptions, report: (figures: PytorchEagerFigures) => void = () => {}): Promise<PytorchEagerFigures[]> {
  const probe = spawnSync(o.python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' })
  if (probe.status !== 0) return reported(report, { bench: 'pytorch_eager', skipped: `${o.python} cannot import torch and numpy (${(probe.stderr || String(probe.error ?? '')).trim().split('\n').at(-1)}); give a Python with PyTorch: --python PATH` })
  const shape = TRAINING_SHAPES[o.shape]
  const folder = writeBenchLlamaFolder(shape)
  const work = mkdtempSync(join(tmpdir(), 'mixture-studio-bench-eager-'))
  try {
    const model = openModel(folder.dir)
    const feeds = benchBatch(shape, o.batch, o.seq)
    const feedsDir = join(work, 'feeds')
    mkdirSync(feedsDir)
    for (const [name, tensor] of Object.entries(feeds)) writeNpy(join(feedsDir, `${name}.npy`), tensor.data as BigInt64Array, tensor.shape)
    const tokens = o.batch * o.seq
    const figures: PytorchEagerFigures[] = []
    const warmup = o.profile ? Math.max(o.warmup, 2) : o.warmup
    for (const [method, adapter] of Object.entries(TRAINING_METHODS)) {
      const profilePrefix = o.profile ? join(work, `profile-${method}`) : undefined
      const app = await openStep(model, adapter, o, feeds, profilePrefix)
      const dir = join(work, method)
      mkdirSync(dir)
      const { emitted, parameters } = emitJobModel(model, parseAdapterConfig(adapter), o.seq)
      writeFileSync(join(dir, 'model.py'), emitted.source)
      if (emitted.constants.length > 0) writeConstants(join(dir, 'constants.safetensors'), emitted.constants)
      const values = app.step.initialValues(1)
      writeSafetensors(join(dir, 'adapter_init.safetensors'), parameters.map((p) => ({ name: p.name, dtype: 'float32' as const, shape: p.shape, data: values.get(p.name)! })))
      const { provider, precision } = app.step.target
      const torch = await TorchSteps.start(o.python, [join(dir, 'model.py'), folder.dir, feedsDir, join(dir, 'adapter_init.safetensors'), provider === 'cpu' ? 'cpu' : 'cuda', TORCH_DTYPE[precision], String(o.threads ?? 1)])
      try {
        const appTimes: number[] = []
        const torchTimes: number[] = []
        let first: { app: number; torch: number } | null = null
        let appProfile: StepProfile | undefined
        for (let round = 0; round < warmup + o.reps; round++) {
          if (profilePrefix && round === warmup) {
            app.step.session.endProfiling()
            appProfile = stepProfile(profileFileFor(profilePrefix))
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
        const appStep = median(appTimes)
        const torchStep = median(torchTimes)
        figures.push(...reported(report, {
          bench: 'pytorch_eager', shape: o.shape, method, batch: o.batch, seq: o.seq, device: provider, precision, torch: torch.version,
          app_tokens_per_s: tokens / appStep,
          torch_tokens_per_s: tokens / torchStep,
          app_over_torch: median(appTimes.map((a, i) => torchTimes[i] / a)),
          app_step_seconds: appStep,
          torch_step_seconds: torchStep,
          first_loss: first!,
          ...(appProfile ? { app_profile: appProfile } : {}),
        }))
      } finally {
        torch.quit()
        await app.step.session.dispose()
      }
    }
    return figures
  } finally {
    rmSync(work, { recursive: true, force: true })
    folder.remove()
  }
}

function reported(report: (figures: PytorchEagerFigures) => void, figures: PytorchEagerFigures): [PytorchEagerFigures] {
  report(figures)
  return [figures]
}

/** The step process's next JSON line; its stderr's tail when it ended instead. */
async function nextLine(lines: AsyncIterator<string>, stderr: () => string): Promise<Record<string, unknown>> {
  const line = await lines.next()
  if (line.done) throw new Error(`the PyTorch step process ended: ${stderr().trim()}`)
  return JSON.parse(line.value) as Record<string, unknown>
}

/** The Python step process: one "step" line in, one JSON line out. */
class TorchSteps {
  private constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly lines: AsyncIterator<string>,
    readonly version: string,
    private readonly stderr: () => string,
  ) {}

  static async start(python: string, args: string[]): Promise<TorchSteps> {
    const child = spawn(python, [STEPS_PY, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)))
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
    const ready = (await nextLine(lines, () => stderr)) as { torch: string }
    return new TorchSteps(child, lines, ready.torch, () => stderr)
  }

  async step(): Promise<{ seconds: number; loss: number }> {
    this.child.stdin!.write('step\n')
    return (await nextLine(this.lines, this.stderr)) as { seconds: number; loss: number }
  }

  quit(): void {
    this.child.stdin!.end('quit\n')
  }
}
