// Training figures of docs/BENCHMARKS.md "Training": full train steps (one session.run of
// the one-graph step from main/train/step-graph.ts, then the AdamW update in TypeScript) of a
// Llama-style model with random weights, per method, and the cost of experts: MoV at E=60 over
// E=1, MoLoRA at E=15 over E=1. Steps of the sessions being compared are interleaved, so that the
// load of a shared machine falls on both alike; figures are medians after warm-up.
import { createOptimizer } from '../engine/optim'
import { parseAdapterConfig, type AdapterConfigInput } from '../engine/adapters'
import { openModel, type OpenedModel } from '../models'
import { hostTensor, withLabelledBound, type HostTensor, type Precision } from '../runtime'
import { labelPositionsOf } from '../engine/models/label-rows'
import { makeBatch } from '../train/batches'
import { labelPositionsFeed } from '../models/inference/tensors'
import { buildTrainStep, STEP_OUTPUTS, type TrainStep } from '../train/step-graph'
import { INITIAL_LOSS_SCALE } from '../train/loss-scale'
import type { BenchOptions } from './engine'
import { writeBenchLlamaFolder, type BenchLlamaShape } from './model-folder'
import { median } from './timing'

/** docs/BENCHMARKS.md shapes. */
export const TRAINING_SHAPES: Record<'small' | 'medium', BenchLlamaShape> = {
  small: { hidden: 512, layers: 8, heads: 8, kvHeads: 4, ffn: 1376, vocab: 32000 },
  medium: { hidden: 1024, layers: 16, heads: 16, kvHeads: 8, ffn: 2816, vocab: 32000 },
}

/** The methods at docs/BENCHMARKS.md's defaults. */
export const TRAINING_METHODS: Record<'mov' | 'molora' | 'lora' | 'ia3', AdapterConfigInput> = {
  mov: { method: 'mov', experts: 10 },
  molora: { method: 'molora', experts: 10, rank: 4 },
  lora: { method: 'lora', rank: 16 },
  ia3: { method: 'ia3' },
}

/** docs/BENCHMARKS.md goals for expert_cost_ratio. */
export const EXPERT_COST_GOALS = { mov: 1.1, molora: 1.5 } as const

export interface TrainingBenchOptions extends BenchOptions {
  shape: 'small' | 'medium'
  /** Sequences per step (docs/BENCHMARKS.md: 8). */
  batch: number
  /** Tokens per sequence (docs/BENCHMARKS.md: 256). */
  seq: number
  /** The head at the labelled tokens only (StepGraphOptions.labelRows; the bench label-rows compares), on a GPU with the batch's labelled tokens as the static bound. */
  labelRows?: boolean
}

export interface TrainingFigures {
  bench: 'training'
  shape: 'small' | 'medium'
  method: string
  adapter: AdapterConfigInput
  batch: number
  seq: number
  provider: string
  /** docs/BENCHMARKS.md "On a GPU": the provider the step ran on, and the precision of its frozen products. */
  device: string
  precision: string
  train_tokens_per_s: number
  /** Over the matmul limit of the step's own precision (float32 when that one was not measured; see limit_precision). */
  train_fraction_of_limit: number
  /**
   * The adapter's own products (adapterStepFlops) over the frozen step's FLOPs: work the step must do
   * on top of what train_fraction_of_limit counts, so that fraction cannot pass (1 − this share)-ish
   * of the limit even if every product ran at it.
   */
  adapter_flops_share: number
  /** train_fraction_of_limit with the adapter's products counted too: how busy the step keeps the cores. */
  train_fraction_of_limit_all_products: number
  limit_precision: Precision
  limit_gflops: number
  step_seconds: number
  /** The optimizer update's share of the step (the rest is session.run). */
  optimizer_seconds: number
  trainable_parameters: number
  session_seconds: number
}

export interface ExpertCostFigures {
  bench: 'expert_cost_ratio'
  shape: 'small' | 'medium'
  batch: number
  seq: number
  /** Step time of MoV E=60 over E=1 (goal ≤ 1.10): the median over rounds of the two steps' ratio. */
  mov: number
  /** Step time of MoLoRA E=15 over E=1, r=4 (goal ≤ 1.5), estimated the same way. */
  molora: number
  goals: typeof EXPERT_COST_GOALS
  step_seconds: Record<string, number>
}

/**
 * FLOPs of one frozen-base train step: forward and input gradients through every matmul weight
 * (2·N each per token: 4·N·tokens, N = parameters less the input embedding, which is a lookup),
 * plus attention: q·kᵀ and p·v forward (4·T²·d per sequence and layer, causal masking not
 * subtracted) and their four backward products (twice that).
 */
export function trainStepFlops(shape: BenchLlamaShape, matmulParameters: number, batch: number, seq: number): number {
  const tokens = batch * seq
  const attention = 3 * 4 * batch * seq * seq * shape.hidden * shape.layers
  return 4 * matmulParameters * tokens + attention
}

/**
 * FLOPs of the adapter's own products in one train step: every trainable weight of LoRA, MoLoRA
 * and MoV (LoRA's A and B, a router, MoV's expert vectors merged by the router's weights) enters
 * one product per token, computed forward (2 FLOPs a weight), for its input's gradient (2) and for
 * its own (2). (IA)³'s vectors only scale activations: no products.
 */
export function adapterStepFlops(method: string, trainableParameters: number, tokens: number): number {
  return method === 'ia3' ? 0 : 6 * trainableParameters * tokens
}

/** One method's train step ready to time: a session, parameters, optimizer and a fixed batch. */
export interface TimedStep {
  step: TrainStep
  /** One step; its loss, and the optimizer update's seconds. */
  run(): Promise<{ optimizerSeconds: number; loss: number }>
  sessionSeconds: number
}

/** `profileFilePrefix`: the session profiles its runs until `step.session.endProfiling()` (op-profile.ts reads it). */
export async function openStep(model: OpenedModel, adapter: AdapterConfigInput, o: TrainingBenchOptions, feeds: Record<string, HostTensor>, profileFilePrefix?: string): Promise<TimedStep> {
  const started = performance.now()
  // With labelRows, a GPU step's static shape bounds the labelled tokens by this batch's own count, as a run's bounds them by its examples'.
  const padded = { batch: o.batch, seq: o.seq }
  const step = await buildTrainStep(model, parseAdapterConfig(adapter), {
    kind: 'train',
    maxPositions: o.seq,
    device: o.device ?? 'cpu',
    // A GPU step is built for the bench's one batch shape, with the precision a run would get.
    batchShape: o.labelRows ? withLabelledBound(padded, labelPositionsOf(feeds.label_mask.data as BigInt64Array).length) : padded,
    labelRows: o.labelRows ?? false,
    ...(o.threads ? { threads: o.threads } : {}),
    ...(profileFilePrefix ? { profileFilePrefix } : {}),
  })
  const sessionSeconds = (performance.now() - started) / 1000
  const batchFeeds = step.labelRows ? { ...feeds, ...labelPositionsFeed(feeds.label_mask, step.target.shape?.labeled) } : feeds
  const values = step.initialValues(1)
  const params = Object.fromEntries(values)
  const optimizer = createOptimizer(step.parameters.map((p) => ({ name: p.name, shape: p.shape })), { optimizer: 'adamw', weightDecay: 0 })
  const fetches = [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
  return {
    step,
    sessionSeconds,
    async run() {
      const parameterFeeds: Record<string, HostTensor> = Object.fromEntries(step.parameters.map((p) => [p.name, hostTensor('float32', p.shape, params[p.name])]))
      if (step.lossScaled) parameterFeeds[STEP_OUTPUTS.lossScale] = hostTensor('float32', [], Float32Array.of(INITIAL_LOSS_SCALE))
      const out = await step.session.run({ ...batchFeeds, ...parameterFeeds }, fetches)
      const grads = Object.fromEntries(step.parameters.map((p) => [p.name, out[STEP_OUTPUTS.gradient(p.name)].data as Float32Array]))
      const t = performance.now()
      optimizer.update(params, grads, 1e-4)
      return { optimizerSeconds: (performance.now() - t) / 1000, loss: Number(out[STEP_OUTPUTS.loss].data[0]) }
    },
  }
}

/**
 * Times the steps round-robin (one step of each per round) and returns each one's median step and
 * optimizer seconds, and its step seconds per round (rounds line up across steps).
 */
export async function timeInterleaved(steps: readonly TimedStep[], reps: number, warmup: number): Promise<{ step: number; optimizer: number; rounds: number[] }[]> {
  const samples = steps.map(() => ({ step: [] as number[], optimizer: [] as number[] }))
  for (let round = 0; round < warmup + reps; round++) {
    for (const [i, s] of steps.entries()) {
      const t = performance.now()
      const { optimizerSeconds } = await s.run()
      if (round >= warmup) {
        samples[i].step.push((performance.now() - t) / 1000)
        samples[i].optimizer.push(optimizerSeconds)
      }
    }
  }
  return samples.map((s) => ({ step: median(s.step), optimizer: median(s.optimizer), rounds: s.step }))
}


/**
 * Synthetic causal batch, token ids spread over the vocabulary: every position after the first
 * trained, or (`promptTokens`) every position after that many, as a fine-tuning example's completion.
 */
export function benchBatch(shape: BenchLlamaShape, batch: number, seq: number, promptTokens = 1): Record<string, HostTensor> {
  const examples = Array.from({ length: batch }, (_, b) => ({
    line: b + 1,
    inputIds: Int32Array.from({ length: seq }, (_, t) => (((b * seq + t) * 7919) % (shape.vocab - 3)) + 3),
    trained: Uint8Array.from({ length: seq }, (_, t) => (t >= promptTokens ? 1 : 0)),
  }))
  return makeBatch(examples, { seq2seq: false, decoderStartTokenId: 0, padTokenId: 0 }).feeds
}

/** The matmul limits by precision (matmulLimit's by_precision); float32 is always there. */
export type MatmulLimits = Partial<Record<Precision, number>> & { fp32: number }

export async function trainingBench(limits: MatmulLimits, o: TrainingBenchOptions): Promise<[...TrainingFigures[], ExpertCostFigures]> {
  const shape = TRAINING_SHAPES[o.shape]
  const folder = writeBenchLlamaFolder(shape)
  try {
    const model = openModel(folder.dir)
    const embedding = shape.vocab * shape.hidden
    const flops = trainStepFlops(shape, model.info.parameterCount - embedding, o.batch, o.seq)
    const feeds = benchBatch(shape, o.batch, o.seq)
    const tokens = o.batch * o.seq

    // The methods' steps are interleaved too, one step of each per round: timed one after another,
    // a drift of the machine's speed over the minutes fell on the last ones (the medium shape's
    // (IA)³, the cheapest step, once came out slower than MoV).
    const names = Object.keys(TRAINING_METHODS) as (keyof typeof TRAINING_METHODS)[]
    const opened: TimedStep[] = []
    let methods: TrainingFigures[]
    try {
      for (const name of names) opened.push(await openStep(model, TRAINING_METHODS[name], o, feeds))
      const timings = await timeInterleaved(opened, o.reps, o.warmup)
      methods = names.map((name, i): TrainingFigures => {
        const { step, sessionSeconds } = opened[i]
        const timing = timings[i]
        const precision = step.target.precision
        const limitPrecision: Precision = limits[precision] !== undefined ? precision : 'fp32'
        const limitGflops = limits[limitPrecision]!
        const adapterFlops = adapterStepFlops(name, step.trainableParameterCount, tokens)
        return {
          bench: 'training', shape: o.shape, method: name, adapter: TRAINING_METHODS[name], batch: o.batch, seq: o.seq, provider: step.session.provider,
          device: step.target.provider, precision: step.target.precision,
          train_tokens_per_s: tokens / timing.step,
          train_fraction_of_limit: flops / timing.step / 1e9 / limitGflops,
          adapter_flops_share: adapterFlops / flops,
          train_fraction_of_limit_all_products: (flops + adapterFlops) / timing.step / 1e9 / limitGflops,
          limit_precision: limitPrecision,
          limit_gflops: limitGflops,
          step_seconds: timing.step,
          optimizer_seconds: timing.optimizer,
          trainable_parameters: step.trainableParameterCount,
          session_seconds: sessionSeconds,
        }
      })
    } finally {
      for (const s of opened) await s.step.session.dispose()
    }

    const ratio = async (many: AdapterConfigInput, one: AdapterConfigInput) => {
      const a = await openStep(model, many, o, feeds)
      const b = await openStep(model, one, o, feeds)
      try {
        const [manyTiming, oneTiming] = await timeInterleaved([a, b], o.reps, o.warmup)
        // The median of per-round ratios, not the ratio of medians: a round's two steps run back
        // to back, so a load change on a shared machine falls on both, where the two medians
        // may come from rounds seconds apart (a 5% cost is otherwise lost in the noise).
        const perRound = manyTiming.rounds.map((t, i) => t / oneTiming.rounds[i])
        return { ratio: median(perRound), many: manyTiming.step, one: oneTiming.step }
      } finally {
        await a.step.session.dispose()
        await b.step.session.dispose()
      }
    }
    const mov = await ratio({ method: 'mov', experts: 60 }, { method: 'mov', experts: 1 })
    const molora = await ratio({ method: 'molora', experts: 15, rank: 4 }, { method: 'molora', experts: 1, rank: 4 })
    const cost: ExpertCostFigures = {
      bench: 'expert_cost_ratio', shape: o.shape, batch: o.batch, seq: o.seq,
      mov: mov.ratio, molora: molora.ratio, goals: EXPERT_COST_GOALS,
      step_seconds: { mov_e60: mov.many, mov_e1: mov.one, molora_e15: molora.many, molora_e1: molora.one },
    }
    return [...methods, cost]
  } finally {
    folder.remove()
  }
}
