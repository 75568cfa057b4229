// The memory and time a train step costs, estimated from the model's shape (no I/O, so the
// formulas are tested on their own). The trainable parameter count is not estimated here: the
// caller builds the adapter on the model's graph and counts it exactly.
//
// Memory (float32, 4 bytes a value, except the frozen weights on a GPU):
//   base weights   N · w                        ORT holds one copy of every frozen weight: float32
//                                               on the CPU (w = 4), fp16/bf16 on a GPU (w = 2);
//                  (N − Nq) · w + Σ (bits/8 per value + 4 per block)   with model.quantize: the Nq
//                                               values of its quantized copy (models/quantized/
//                                               selection.ts) in int8 or int4 with a float32
//                                               scale per block, the rest as above
//   adapter        P · 4 · (2 + s)              parameters and gradients, plus s optimizer states
//                                               per value (AdamW 2, Adafactor ≈ 1, SGD 0)
//   activations    B · T · L · (16·d + 4·f) · 4 what the backward pass keeps per layer and token:
//                                               ~16 d-wide tensors (norms, q/k/v/o, residuals,
//                                               their adapter rescalings) and 4 d_ff-wide (gate,
//                                               up, activation, product)
//   attention      B · h · T² · L · 4 · 2       scores and probabilities of every layer
//   loss           B · T · (3·R + 3·d) · 4      the loss through the head, one piece of the
//                                               vocabulary at a time (engine/models/head-loss.ts):
//                                               a piece's logits, shifted and exponentiated (R rows
//                                               of W, at most 4096), and the head's input gradient,
//                                               its running sum and label rows; never B·T·V
// With train.gradient_checkpointing the backward keeps only each block's input and recomputes one
// block at a time: activations B · T · (L·d + 16·d + 4·f) · 4, attention B · h · T² · 4 · 2.
// with B the batch (one micro-batch: accumulation runs them one after another), T the sequence
// length, L layers, d hidden size, f FFN width, h heads, V vocabulary.
//
// Time, best first:
// - measured-step: this configuration timed on this machine (runsMeasureStep):
//     startup + first step + (steps − 1) · step + evaluations · eval + checkpoints · save
//   with its fixed costs, which dominate a small model's run and which no FLOP count sees;
// - else per optimizer step = tokens per step / throughput, tokens per step = B · accumulation · T.
// Throughput is measured when an earlier run trained this model (its median tokens/s), else
//   FLOPs per token ≈ 4·M + 12·L·T·d  forward (2M) and backward through the frozen weights to
//                                     the adapters (2M; no weight gradients), M = the parameters
//                                     in products (N less an untied input embedding, a lookup; the
//                                     head's V·d only at the share of tokens trained, when the
//                                     imported data says it), plus attention: q·kᵀ and p·v (4·T·d a
//                                     layer) and their four backward products (8·T·d), as bench's
//                                     trainStepFlops;
//   checkpointing recomputes the blocks' forward: + 2·(M − V·d) + 4·L·T·d
// over the device's throughput: on a CPU, its measured MatMul rate (cpu-rate.ts) times the share
// of it a train step reaches (CPU_STEP_SHARE); on a GPU, or when the CPU could not be measured, a
// nominal figure (NOMINAL_FLOPS).
import type { QuantizeScheme, RunConfig, RunEstimate, StepTiming } from '../contract'
import { headPieceRows } from '../engine/models/head-loss'
import type { Precision } from '../runtime'

const FLOAT32 = 4

/** Sustained float32 throughput a train step reaches, per CPU core and per GPU: a rough guess, said so in the answer. */
export const NOMINAL_FLOPS = { cpuCore: 8e9, gpu: 20e12 } as const

/**
 * The share of the CPU's MatMul rate (the fastest of 512 rows through four 1024-wide products) a
 * train step's FLOPs reach, session.run and the optimizer's update together. On the 2-core build
 * machine (2026-12-06, BENCHMARKS.md "The time estimate"): that rate is 0.8–1.0 of bench's matmul
 * limit, and every method's step of the small shape at 4 × 128 and 8 × 256 tokens and of the
 * medium one at 4 × 128 reached 0.66–0.90 of the limit (0.80 typically). 0.75, the low side: a
 * guess that errs long, as what it leaves out (evaluations, checkpoints, the start) does too.
 */
export const CPU_STEP_SHARE = 0.75

const OPTIMIZER_STATES: Record<RunConfig['train']['optimizer'], number> = { adamw: 2, adafactor: 1, sgd: 0 }

export interface ModelShape {
  parameters: number
  /** The head is the input embedding: every parameter then enters a product. */
  tiedEmbeddings: boolean
  layers: number
  hiddenSize: number
  ffnSize: number
  heads: number
  vocabSize: number
}

export interface EstimateFacts {
  model: ModelShape
  trainable: number
  sites: number
  train: Pick<RunConfig['train'], 'batch_size' | 'grad_accum' | 'optimizer' | 'eval_every' | 'save_every'> & Partial<Pick<RunConfig['train'], 'gradient_checkpointing'>>
  /** Optimizer steps of the run: train.max_steps, or train.epochs over the dataset's examples as imported. */
  steps: number
  sequenceLength: number
  /** The share of its tokens the imported training data trains on (the rest are prompts), when known. */
  trainedShare?: number | null
  /** Tokens/s an earlier run of this model reached, when there is one. */
  measuredTokensPerSecond: number | null
  /** This configuration timed on this machine, when it was. */
  stepTiming: StepTiming | null
  /** On a CPU, its measured MatMul rate in GFLOP/s when there is one (cpu-rate.ts). */
  device: { kind: 'cpu'; cores: number; matmulGflops?: number | null } | { kind: 'gpu' }
  /** What the frozen products run in (step-target.ts resolvePrecision). */
  precision: Precision
  /**
   * model.quantize: the frozen values its quantized copy holds and their bytes, scales included
   * (main/models/quantized/selection.ts's plan); absent or null for a base held as stored.
   */
  quantized?: QuantizedBase | null
  notes: string[]
}

export interface QuantizedBase {
  scheme: Exclude<QuantizeScheme, 'none'>
  values: number
  bytes: number
}

const WEIGHT_BYTES: Record<Precision, number> = { fp32: 4, fp16: 2, bf16: 2 }

export function estimateRun(facts: EstimateFacts): Omit<RunEstimate, 'measurable'> {
  const { model, train, trainable } = facts
  const B = train.batch_size
  const T = facts.sequenceLength
  const L = model.layers
  const states = OPTIMIZER_STATES[train.optimizer]
  const d = model.hiddenSize
  const f = model.ffnSize
  const base = baseWeights(facts)
  const terms = [
    base,
    { label: 'adapter + gradients + optimizer', bytes: trainable * FLOAT32 * (2 + states), formula: `${trainable} × 4 B × (2 + ${states} ${train.optimizer} states)` },
    train.gradient_checkpointing
      ? {
          label: 'activations',
          bytes: B * T * (L * d + 16 * d + 4 * f) * FLOAT32,
          formula: `batch ${B} × ${T} tokens × (${L} block inputs × ${d} + one block recomputed: 16·${d} + 4·${f}) × 4 B`,
        }
      : { label: 'activations', bytes: B * T * L * (16 * d + 4 * f) * FLOAT32, formula: `batch ${B} × ${T} tokens × ${L} layers × (16·${d} + 4·${f}) × 4 B` },
    train.gradient_checkpointing
      ? { label: 'attention', bytes: B * model.heads * T * T * FLOAT32 * 2, formula: `batch ${B} × ${model.heads} heads × ${T}² × one block recomputed × 4 B × 2` }
      : { label: 'attention', bytes: B * model.heads * T * T * L * FLOAT32 * 2, formula: `batch ${B} × ${model.heads} heads × ${T}² × ${L} layers × 4 B × 2` },
    lossTerm(B, T, d, model.vocabSize, Boolean(facts.quantized)),
  ]
  const tokensPerStep = B * train.grad_accum * T
  const time = facts.stepTiming ? measuredRunTime(facts.stepTiming, facts) : withTotal(timePerStep(facts, tokensPerStep), facts.steps)
  return {
    trainableParameters: trainable,
    baseParameters: model.parameters,
    trainablePercent: model.parameters > 0 ? (100 * trainable) / model.parameters : 0,
    sites: facts.sites,
    tokensPerStep,
    sequenceLength: T,
    memory: { totalBytes: terms.reduce((n, t) => n + t.bytes, 0), terms },
    frozenWeights: { quantize: facts.quantized?.scheme ?? 'none', bytes: base.bytes, unquantizedBytes: model.parameters * WEIGHT_BYTES[facts.precision] },
    time,
    notes: facts.notes,
  }
}

/** The frozen weights: every value at the precision the products run in, or those of a quantized copy in its bits. */
function baseWeights(facts: EstimateFacts): RunEstimate['memory']['terms'][number] {
  const w = WEIGHT_BYTES[facts.precision]
  const dtype = facts.precision === 'fp32' ? 'float32' : facts.precision
  const { parameters } = facts.model
  const quantized = facts.quantized
  if (!quantized) return { label: 'base weights', bytes: parameters * w, formula: `${parameters} parameters × ${w} B (${dtype})` }
  const kept = Math.max(0, parameters - quantized.values)
  return {
    label: 'base weights',
    bytes: kept * w + quantized.bytes,
    formula: `${kept} parameters × ${w} B (${dtype}) + ${quantized.values} in ${quantized.scheme}, float32 scale per block: ${quantized.bytes} B`,
  }
}

function withTotal(time: Omit<RunEstimate['time'], 'totalSeconds'>, steps: number): RunEstimate['time'] {
  return { ...time, totalSeconds: time.secondsPerStep * steps }
}

/** The whole run from its measured parts: the evaluations at step 0, every eval_every and the last; the checkpoints every save_every and the last. */
export function measuredRunTime(timing: StepTiming, facts: Pick<EstimateFacts, 'steps' | 'train'>): RunEstimate['time'] {
  const { steps } = facts
  const points = (every: number) => Math.floor(steps / every) + (steps % every === 0 ? 0 : 1)
  const evaluations = timing.evalSeconds === null ? 0 : 1 + points(facts.train.eval_every)
  const checkpoints = points(facts.train.save_every)
  const stepsSeconds = timing.firstStepSeconds + Math.max(0, steps - 1) * timing.secondsPerStep
  const totalSeconds = timing.startupSeconds + stepsSeconds + evaluations * (timing.evalSeconds ?? 0) + checkpoints * timing.checkpointSeconds
  const s = (n: number) => `${n < 0.1 ? n.toFixed(3) : n.toFixed(2)} s`
  const parts = [`start ${s(timing.startupSeconds)}`, `first step ${s(timing.firstStepSeconds)} + ${Math.max(0, steps - 1)} × ${s(timing.secondsPerStep)}`]
  if (evaluations > 0) parts.push(`${evaluations} evaluations × ${s(timing.evalSeconds ?? 0)}`)
  parts.push(`${checkpoints} checkpoint${checkpoints === 1 ? '' : 's'} × ${s(timing.checkpointSeconds)}`)
  return {
    secondsPerStep: timing.secondsPerStep,
    totalSeconds,
    basis: 'measured-step',
    formula: `${parts.join(' + ')}, measured on ${timing.device} at ${timing.measuredAt.slice(0, 16).replace('T', ' ')} UTC`,
  }
}

function timePerStep(facts: EstimateFacts, tokensPerStep: number): Omit<RunEstimate['time'], 'totalSeconds'> {
  if (facts.measuredTokensPerSecond && facts.measuredTokensPerSecond > 0) {
    const tps = facts.measuredTokensPerSecond
    return { secondsPerStep: tokensPerStep / tps, basis: 'measured', formula: `${tokensPerStep} tokens per step ÷ ${tps.toFixed(0)} tokens/s measured on an earlier run of this model` }
  }
  const { model } = facts
  const LTd = model.layers * facts.sequenceLength * model.hiddenSize
  const head = model.vocabSize * model.hiddenSize
  const inProducts = model.parameters - (model.tiedEmbeddings ? 0 : head)
  // The head runs at the trained tokens only (engine/models/label-rows.ts), the blocks at every one.
  const trained = facts.trainedShare ?? 1
  const perToken = inProducts - head * (1 - trained)
  // Checkpointing recomputes the blocks' forward, not the head's.
  const recompute = facts.train.gradient_checkpointing ? 2 * (inProducts - head) + 4 * LTd : 0
  const flopsPerToken = 4 * perToken + 12 * LTd + recompute
  const { throughput, where } = deviceThroughput(facts.device)
  const what = [
    model.tiedEmbeddings ? null : `M = ${inProducts} parameters in products, the input embedding being a lookup`,
    trained < 1 ? `the head's ${head} at the ${(100 * trained).toFixed(0)}% of tokens trained` : null,
  ].filter(Boolean)
  return {
    secondsPerStep: (tokensPerStep * flopsPerToken) / throughput,
    basis: 'nominal',
    formula: `${tokensPerStep} tokens × (4·M + 12·L·T·d${recompute ? ' + the blocks\' forward recomputed' : ''} = ${flopsPerToken.toExponential(2)} FLOPs per token${what.length ? `; ${what.join('; ')}` : ''}) ÷ ${where}`,
  }
}

/** FLOP/s a step reaches on the device, and how that was found, in words. */
function deviceThroughput(device: EstimateFacts['device']): { throughput: number; where: string } {
  if (device.kind === 'gpu') return { throughput: NOMINAL_FLOPS.gpu, where: `a GPU at ${NOMINAL_FLOPS.gpu / 1e12} TFLOP/s (assumed)` }
  if (device.matmulGflops) {
    return { throughput: device.matmulGflops * 1e9 * CPU_STEP_SHARE, where: `(this CPU's MatMul rate, ${device.matmulGflops.toFixed(0)} GFLOP/s measured, × ${CPU_STEP_SHARE}, the share a train step reaches)` }
  }
  return { throughput: NOMINAL_FLOPS.cpuCore * device.cores, where: `${device.cores} CPU cores × ${NOMINAL_FLOPS.cpuCore / 1e9} GFLOP/s (assumed)` }
}

/** The loss through the head: one vocabulary piece's logits at a time (engine/models/head-loss.ts). */
function lossTerm(B: number, T: number, d: number, vocab: number, quantized: boolean): { label: string; bytes: number; formula: string } {
  const rows = headPieceRows(vocab, d, quantized)
  return {
    label: 'loss through the head',
    bytes: B * T * (3 * rows + 3 * d) * FLOAT32,
    formula: `batch ${B} × ${T} tokens × (3 × ${rows} vocabulary rows a piece + 3 × ${d}) × 4 B`,
  }
}
