import { buildSeconds, fwdBwdFraction, matmulLimit, type BenchOptions } from '../../bench/engine'
import { modelFigures } from '../../bench/models'
import { dataBench } from '../../bench/data'
import { largeQuantizedBaseBench, quantizedBaseBench } from '../../bench/quantized-base'
import { pytorchEagerBench } from '../../bench/pytorch-eager'
import { trainMemory } from '../../bench/train-memory'
import { checkpointingBench } from '../../bench/checkpointing'
import { headLossBench } from '../../bench/head-loss'
import { labelRowsBench } from '../../bench/label-rows'
import { trainingBench, type MatmulLimits } from '../../bench/training'
import { packingBench } from '../../bench/packing'
import { exportOnnxBench } from '../../bench/export-onnx'
import { storeOpenBench } from '../../bench/store-open'
import { rankClassificationBench } from '../../bench/rank-classification'
import { hubDownloadBench } from '../../bench/hub-download'
import { estimateBench } from '../../bench/estimate'
import { EXIT_OK, UsageError, type Command } from '../command'
import { parseOptions } from '../parse-options'

const ENGINE_BENCHES = ['matmul', 'fwd-bwd', 'build', 'models-tiny', 'models-wide', 'data', 'train-memory', 'checkpointing', 'head-loss', 'label-rows', 'training', 'packing', 'export-onnx', 'store-open', 'rank-classification', 'hub-download', 'estimate', 'quantized-base', 'quantized-base-large', 'pytorch-eager'] as const

/** Run only when --only names them: quantized-base-large writes about 7 GB to the temporary folder. */
const ONLY_WHEN_NAMED: ReadonlySet<string> = new Set(['quantized-base-large'])

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure engine throughput on this machine',
  usage: `Usage: mixture-studio bench [--json] [--only NAMES] [--reps N] [--warmup N] [--threads N] [--device D]

Engine figures (see docs/BENCHMARKS.md): matmul_limit_gflops, fwd_bwd_fraction_of_limit,
build_seconds_24x1024. Models figures (models-tiny, models-wide): forward_tokens_per_s,
generate_tokens_per_s (KV cache) and peak_rss_over_weights of a random Llama-style model
(tiny: hidden 128, 2 layers; wide: hidden 1024, 16 layers, ~254M parameters), each measured
in its own process, on --device (forward_device and generate_device say where and in what). train-memory: peak_rss_over_weights and session_seconds of a train-step
session of the BENCHMARKS small shape (float32; float16, bfloat16 and forward-only as variants),
each in its own process. checkpointing: a MoV-10 step of --checkpointing-batch × --checkpointing-seq
tokens (default 8 × 2048) on a narrow 8-layer Llama-style shape (hidden 256, 2 heads, vocabulary
4096) with and without train.gradient_checkpointing, each in its own process, alternating (at most
3 rounds): activation_mb (peak RSS over the steps minus RSS before them), activation_ratio (goal
≤ 0.3) and step_time_ratio (goal ≤ 1.4); the step without it needs about 14 GB. head-loss: a MoV-10
step of the small shape (vocabulary 32000) with gradient checkpointing, --head-loss-batch ×
--head-loss-seq tokens (default 8 × 1024), its loss through the head in pieces and through the plain
[batch, seq, vocab] logits, each in its own process, alternating (at most 3 rounds): activation_mb,
activation_ratio (pieces over logits, goal ≤ 0.5) and step_time_ratio (goal ≤ 1.0); both report
session_seconds (building and opening each step). label-rows: a
MoV-10 step of the small shape, 8 × 256 tokens with the first half of every row untrained prompt, its
head at every token and at the labelled ones only (the trainer's way; on a GPU --device, a static
bound on their number), vocabulary 32000 and 262144, interleaved: speedup and loss_relative_difference. quantized-base:
train_peak_rss_over_fp32_weights of the medium shape's MoV train step (1 × 64 tokens) with a
float32, int8 and int4 base (model.quantize), each in its own process (goal int4 ≤ 0.35), and the
loss after 200 MoV steps of the small shape with each base (goal within 2% of float32).
quantized-base-large: the same memory figures on TinyLlama-1.1B's shape (hidden 2048, 22 layers,
4.4 GB in float32; writes and quantizes that model first, about 7 GB of disk; only when --only
names it). packing: one epoch of MoV steps on examples 1/8 to all of --train-seq
tokens long, batched per-batch-padded, padded to a static shape (as on a GPU) and packed
(data.packing): padding, examples_per_s and the packed speedups (at most 3 rounds).
export-onnx: export --format onnx of a MoV-10 adapter on the medium shape (~254M parameters),
in its own process: export_seconds, export_mb_per_s and peak_rss_growth_mb (at most 3 runs).
store-open: a store with 100 runs of 5,000 logged steps (2M metric rows) opened as the app and the
CLI open it (quick_check first), as a job opens it, and backed up (VACUUM INTO + check): open_seconds,
open_as_job_seconds, quick_check_seconds, quick_check_mb_per_s, backup_seconds (at most 3 runs).
rank-classification: multiple-choice questions on the medium shape, 4 choices of 5 to 20 tokens after
a 200-token prompt, scored with the prompt computed once (KV cache) and recomputed per choice row:
examples_per_s_prompt_once, examples_per_s_per_row, prompt_once_speedup and the largest relative
difference between their choice NLLs (at most 3 runs, the two interleaved).
hub-download: a model (config.json and a --hub-mb MB safetensors file of random bytes) downloaded
from a local Hub (real HTTP on 127.0.0.1, the LFS redirect, sha256 checked while streaming) into a
fresh HF cache, and the same file read from disk, each in its own process: download_mb_per_s,
disk_read_mb_per_s, download_over_disk_read, and peak_rss_mb at the full size and a quarter of it
(peak_rss_growth_mb near 0: streamed, never held) (at most 3 runs, interleaved).
estimate: the demo run (--estimate-steps steps) in a fresh data folder, estimated by New run's
nominal formula and after runsMeasureStep timed it, then trained through runsStart:
measured_over_actual and nominal_over_actual (each estimate over the run's wall time; the goal is
within 2×), actual_seconds, measure_seconds (one run).
pytorch-eager: each method's train step of --train-shape at --train-batch × --train-seq in the app
and in PyTorch eager (the cluster job's model.py: the same graph, frozen products and adapter
sites; torch autograd and AdamW) in the Python of --python, alternating: app_tokens_per_s,
torch_tokens_per_s and app_over_torch (on --device cuda: torch on CUDA in the app's precision).
Each is the median of --reps runs after --warmup runs.

  --json        one JSON object per line ({"bench": name, ...figures})
  --only NAMES  comma-separated subset of ${ENGINE_BENCHES.join(', ')} (fwd-bwd and training need matmul,
                which they measure)
  --reps N      timed repetitions (default 5)
  --warmup N    untimed runs first (default 2)
  --threads N   onnxruntime intra-op threads (default: all cores)
  --device D    auto | cpu | cuda | webgpu | dml (default cpu)
  --data-mb N   data: size of the generated JSONL imported (default 50; docs/BENCHMARKS.md uses 500).
                Reports import_mb_per_s, import_peak_rss_mb, and the peak at a quarter of the
                size (bounded memory: import_peak_rss_growth_mb stays near 0). At most 3 reps.
  --data-tokenize-mb N  data: size of the file tokenised for tokenize_tokens_per_s (default 5)
  --hub-mb N    hub-download: the weights file's size (default 256; a quarter of it for the second peak)
  --estimate-steps N  estimate: the demo run's steps (default 600, the demo's own)
  --train-shape S training: small (hidden 512, 8 layers) or medium (1024, 16 layers); default small.
                Reports train_tokens_per_s and train_fraction_of_limit per method (mov E=10,
                molora E=10 r=4, lora r=16, ia3), then expert_cost_ratio (MoV E=60/E=1, MoLoRA
                E=15/E=1), each a full step: session.run + AdamW update
  --python PATH  pytorch-eager: a Python with PyTorch >= 1.13 and numpy (default $MIXTURE_STUDIO_PYTHON, else python3)
  --profile      pytorch-eager: also the app's step by op type (app_profile, from onnxruntime's profiler
                 over the warm-up rounds, at least 2; the timed rounds run without it)
  --train-batch N  training, packing: sequences (rows) per step (default 8)
  --train-seq N    training, packing: tokens per sequence (row) (default 256)
  --checkpointing-batch N  checkpointing: sequences per step (default 8)
  --checkpointing-seq N    checkpointing: tokens per sequence (default 2048)
  --head-loss-batch N      head-loss: sequences per step (default 8)
  --head-loss-seq N        head-loss: tokens per sequence (default 1024)`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      json: { type: 'boolean' },
      only: { type: 'string' },
      reps: { type: 'string' },
      warmup: { type: 'string' },
      threads: { type: 'string' },
      device: { type: 'string' },
      'data-mb': { type: 'string' },
      'data-tokenize-mb': { type: 'string' },
      'hub-mb': { type: 'string' },
      'estimate-steps': { type: 'string' },
      'train-shape': { type: 'string' },
      'train-batch': { type: 'string' },
      python: { type: 'string' },
      profile: { type: 'boolean' },
      'train-seq': { type: 'string' },
      'checkpointing-batch': { type: 'string' },
      'checkpointing-seq': { type: 'string' },
      'head-loss-batch': { type: 'string' },
      'head-loss-seq': { type: 'string' },
    })
    const only = values.only ? values.only.split(',').map((s) => s.trim()) : ENGINE_BENCHES.filter((b) => !ONLY_WHEN_NAMED.has(b))
    for (const name of only) if (!(ENGINE_BENCHES as readonly string[]).includes(name)) throw new UsageError(`unknown bench "${name}" (known: ${ENGINE_BENCHES.join(', ')})`)
    const device = values.device ?? 'cpu'
    if (!['auto', 'cpu', 'cuda', 'webgpu', 'dml'].includes(device)) throw new UsageError(`--device must be auto, cpu, cuda, webgpu or dml, not "${device}"`)
    const options: BenchOptions = {
      reps: positive('--reps', values.reps, 5),
      warmup: positive('--warmup', values.warmup, 2, true),
      threads: values.threads === undefined ? undefined : positive('--threads', values.threads, 1),
      device: device as BenchOptions['device'],
    }
    const report = (figures: { bench: string } & Record<string, unknown>) =>
      context.stdout(values.json ? `${JSON.stringify(figures)}\n` : `${formatRow(figures)}\n`)
    let limits: MatmulLimits | null = null
    if (only.includes('matmul') || only.includes('fwd-bwd') || only.includes('training')) {
      const m = await matmulLimit(options)
      limits = { ...m.by_precision, fp32: m.matmul_limit_gflops }
      report(m as unknown as { bench: string } & Record<string, unknown>)
    }
    if (only.includes('fwd-bwd')) report((await fwdBwdFraction(limits!.fp32, options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('build')) report((await buildSeconds(options)) as unknown as { bench: string } & Record<string, unknown>)
    for (const which of ['tiny', 'wide'] as const) {
      if (only.includes(`models-${which}`)) report((await modelFigures(which, options)) as unknown as { bench: string } & Record<string, unknown>)
    }
    if (only.includes('training') || only.includes('packing') || only.includes('pytorch-eager')) {
      const shape = values['train-shape'] ?? 'small'
      if (shape !== 'small' && shape !== 'medium') throw new UsageError(`--train-shape must be small or medium, not "${shape}"`)
      const training = { ...options, shape, batch: positive('--train-batch', values['train-batch'], 8), seq: positive('--train-seq', values['train-seq'], 256) } as const
      if (only.includes('training')) for (const figures of await trainingBench(limits!, training)) report(figures as unknown as { bench: string } & Record<string, unknown>)
      if (only.includes('packing')) report((await packingBench(training)) as unknown as { bench: string } & Record<string, unknown>)
      if (only.includes('pytorch-eager')) {
        const python = values.python ?? context.env.MIXTURE_STUDIO_PYTHON ?? 'python3'
        await pytorchEagerBench({ ...training, python, profile: values.profile === true }, (figures) => report(figures as unknown as { bench: string } & Record<string, unknown>))
      }
    }
    if (only.includes('export-onnx')) report((await exportOnnxBench(options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('store-open')) report((await storeOpenBench({ runs: 100, steps: 5_000, reps: options.reps, warmup: options.warmup })) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('rank-classification')) report((await rankClassificationBench(options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('train-memory')) report((await trainMemory(options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('checkpointing')) {
      const sizes = { batch: positive('--checkpointing-batch', values['checkpointing-batch'], 8), seq: positive('--checkpointing-seq', values['checkpointing-seq'], 2048) }
      report((await checkpointingBench({ ...options, ...sizes })) as unknown as { bench: string } & Record<string, unknown>)
    }
    if (only.includes('head-loss')) {
      const sizes = { batch: positive('--head-loss-batch', values['head-loss-batch'], 8), seq: positive('--head-loss-seq', values['head-loss-seq'], 1024) }
      report((await headLossBench({ ...options, ...sizes })) as unknown as { bench: string } & Record<string, unknown>)
    }
    if (only.includes('label-rows')) for (const figures of await labelRowsBench(options)) report(figures as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('quantized-base')) report((await quantizedBaseBench(options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('quantized-base-large')) report((await largeQuantizedBaseBench(options)) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('hub-download')) report((await hubDownloadBench({ sizeMb: positive('--hub-mb', values['hub-mb'], 256), reps: options.reps })) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('estimate')) report((await estimateBench({ steps: positive('--estimate-steps', values['estimate-steps'], 600) })) as unknown as { bench: string } & Record<string, unknown>)
    if (only.includes('data')) {
      const sizeMb = positive('--data-mb', values['data-mb'], 50)
      const tokenizeMb = positive('--data-tokenize-mb', values['data-tokenize-mb'], 5)
      report((await dataBench({ sizeMb, tokenizeMb, reps: Math.min(options.reps, 3) })) as unknown as { bench: string } & Record<string, unknown>)
    }
    return EXIT_OK
  },
}

function positive(flag: string, text: string | undefined, fallback: number, allowZero = false): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!/^\d+$/.test(text) || (!allowZero && n === 0)) throw new UsageError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} integer, not "${text}"`)
  return n
}

function formatRow(figures: { bench: string } & Record<string, unknown>): string {
  const cells = Object.entries(figures)
    .filter(([k]) => k !== 'bench')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(3) : JSON.stringify(v, (_k, x) => (typeof x === 'number' ? +x.toFixed(3) : x))}`)
  return `${figures.bench.padEnd(28)} ${cells.join('  ')}`
}
