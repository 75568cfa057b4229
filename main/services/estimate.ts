// runsEstimate: what a configuration will cost, answered while the user edits the New run form.
// The adapter is built against the model's real graph (no session, no weights read), so the
// trainable parameter count is the one training will report; memory and time come from
// estimate-formula.ts. A tiny model answers in milliseconds, a 1B model in well under a second.
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { existsSync } from 'node:fs'
import { ApiCallError, RunConfig, StepTiming, type CallOutput, type CallParsedInput } from '../contract'
import { DEFAULT_MAX_STEPS } from '../contract/run-config'
import { openModel, type OpenedModel } from '../models'
import type { Store } from '../store'
import { resolveTypedPath } from '../runtime/typed-path'
import { importedDatasetOf } from './imported-dataset'
import { currentProviderFacts, planProviders, resolvePrecision } from '../runtime'
import { buildStepGraph } from '../train/step-graph'
import { unwatchedWork } from '../jobs/work-context'
import { estimateRun, type EstimateFacts, type QuantizedBase } from './estimate-formula'
import { planBytes, quantizationPlan } from '../models/quantized/selection'
import { absoluteConfigPaths } from './runs'
import { measureRequested } from './step-timing-work'
import { findStepTiming, saveStepTiming } from './step-timings'
import { cpuMatmulGflops } from './cpu-rate'
import type { WorkPlace } from './work-place'

/** How many of a run's last tokens/s samples make its measured throughput (their median). */
const MEASURED_SAMPLES = 20

/**
 * `measureWith`: where a CPU rate not measured yet may be measured (services' long-work place);
 * without it (the checks before Start, the queue's waits) a rate is only read.
 */
/** The imported dataset of a run's training file, when it was imported. */
type ImportedDataset = ReturnType<typeof importedDatasetOf>

export function createEstimateHandlers(store: Store, dataDir: string, measureWith?: WorkPlace) {
  function open(path: string): OpenedModel {
    try {
      return openModel(path)
    } catch (error) {
      throw new ApiCallError('invalid_input', `model: ${(error as Error).message}`)
    }
  }

  /**
   * Tokens a row computes, from the imported dataset of this file if any. One example per row
   * padded per batch (the CPU) costs about its 90th-percentile length; a GPU's static rows and
   * packed rows are as wide as the longest example (packed ones nearly full of examples).
   */
  function sequenceLength(config: RunConfig, dataset: ImportedDataset, gpu: boolean, notes: string[]): number {
    const path = resolveTypedPath(config.data.train)
    const tokens = (dataset?.report as { stats?: { tokens?: { p90?: number; max?: number; mean?: number } | null } } | undefined)?.stats?.tokens
    const fit = (n: number) => Math.max(1, Math.min(config.data.max_length, Math.ceil(n)))
    const packed = config.data.packing
    if (tokens?.p90 && tokens.max) {
      const longest = fit(tokens.max)
      if (packed && tokens.mean) notes.push(`data.packing: rows of ${longest} tokens (the longest example), about ${Math.max(1, Math.floor(longest / tokens.mean))} examples each`)
      else if (gpu) notes.push(`a GPU pads every row to the longest example (${longest} tokens); data.packing fills rows with several examples instead`)
      return packed || gpu ? longest : fit(tokens.p90)
    }
    notes.push(`every example assumed ${config.data.max_length} tokens long (data.max_length): import ${path} on the Datasets page with a model for its real lengths`)
    return config.data.max_length
  }

  /** The share of the imported training data's tokens that are trained (completions, not prompts), when it was imported with a model. */
  function trainedShare(dataset: ImportedDataset): number | null {
    const stats = (dataset?.report as { stats?: { tokens?: { total?: number } | null; trainedTokens?: number | null } } | undefined)?.stats
    const total = stats?.tokens?.total
    const trained = stats?.trainedTokens
    return total && trained !== null && trained !== undefined && trained <= total ? trained / total : null
  }

  /**
   * The run's optimizer steps: train.max_steps, or train.epochs over the examples its imported
   * dataset holds (less data.split), one example a row: packed rows hold several, so a packed
   * run takes fewer steps than this. Training counts them exactly once the data is read.
   */
  function runSteps(config: RunConfig, dataset: ImportedDataset, notes: string[]): number {
    const { max_steps: maxSteps, epochs, batch_size: batchSize, grad_accum: gradAccum } = config.train
    if (maxSteps !== null) return maxSteps
    const path = resolveTypedPath(config.data.train)
    const counts = (dataset?.report as { counts?: { examples?: number } } | undefined)?.counts
    const split = config.data.split
    const examples = counts?.examples === undefined ? null : split === null ? counts.examples : split < 1 ? Math.round(counts.examples * (1 - split)) : counts.examples - split
    if (examples === null || examples < 1) {
      notes.push(`train.epochs: the step count is known once the data is read; ${DEFAULT_MAX_STEPS} steps assumed here (import ${path} on the Datasets page for its example count)`)
      return DEFAULT_MAX_STEPS
    }
    const steps = Math.max(1, Math.ceil(((epochs ?? 1) * Math.ceil(examples / batchSize)) / gradAccum))
    notes.push(`train.epochs ${epochs}: about ${steps} steps over ${examples} training examples${config.data.packing ? ' (fewer when packed)' : ''}`)
    return steps
  }

  /**
   * The median tokens/s of the newest earlier run on this model folder, its frozen base held the
   * same way (a quantized product runs at its own speed), that logged any.
   */
  function measuredTokensPerSecond(model: RunConfig['model']): number | null {
    for (const run of store.runs.list({ limit: 50 })) {
      const parsed = RunConfig.safeParse(store.runs.get(run.id)?.config)
      if (!parsed.success || resolve(parsed.data.model.path) !== model.path || parsed.data.model.quantize !== model.quantize) continue
      const samples = store.metrics.curve(run.id, 'tokens_per_s').slice(-MEASURED_SAMPLES).map((p) => p.value).sort((a, b) => a - b)
      if (samples.length > 0) return samples[Math.floor(samples.length / 2)]
    }
    return null
  }

  return {
    async runsEstimate({ config }: CallParsedInput<'runsEstimate'>): Promise<CallOutput<'runsEstimate'>> {
      const modelPath = resolveTypedPath(config.model.path)
      const model = open(modelPath)
      let step: ReturnType<typeof buildStepGraph>
      try {
        step = buildStepGraph(model, config.adapter, { kind: 'eval', maxPositions: config.data.max_length })
      } catch (error) {
        throw new ApiCallError('invalid_input', `adapter: ${(error as Error).message}`)
      }
      const notes: string[] = []
      const { spec } = model
      // The provider a run would try first here; if its session fails, the run log says so and the next one trains.
      const provider = config.device === 'auto' ? (planProviders('auto', currentProviderFacts()).candidates[0] ?? 'cpu') : config.device
      if (config.device === 'auto') notes.push(`device auto: estimated for ${provider}, the first provider this machine offers`)
      const resolved = resolvePrecision(provider, config.train.precision, model.info.dtype, model.spec.modelType)
      if ('refused' in resolved) notes.push(`this run will not start on ${provider}: ${resolved.refused}`)
      const precision = 'refused' in resolved ? 'fp32' : resolved.precision
      const gpu = provider !== 'cpu'
      // Looked up once: the rows' lengths, the step count and the trained share all come from its report.
      const dataset = importedDatasetOf(store, config.data.train)
      const facts: EstimateFacts = {
        model: {
          parameters: model.info.parameterCount,
          tiedEmbeddings: spec.tieWordEmbeddings,
          layers: spec.family === 't5' ? spec.numLayers + spec.numDecoderLayers : spec.numLayers,
          hiddenSize: spec.hiddenSize,
          ffnSize: spec.intermediateSize,
          heads: spec.numHeads,
          vocabSize: spec.vocabSize,
        },
        trainable: step.trainableParameterCount,
        sites: new Set(step.parameters.map((p) => p.site.module)).size,
        train: config.train,
        steps: runSteps(config, dataset, notes),
        sequenceLength: sequenceLength(config, dataset, gpu, notes),
        trainedShare: trainedShare(dataset),
        measuredTokensPerSecond: measuredTokensPerSecond({ path: modelPath, quantize: config.model.quantize }),
        stepTiming: findStepTiming(dataDir, config),
        device: gpu ? { kind: 'gpu' } : { kind: 'cpu', cores: availableParallelism() },
        precision,
        quantized: config.model.quantize === 'none' ? null : quantizedBase(model, config.model.quantize, notes),
        notes,
      }
      // Only a guess from FLOPs needs the CPU's rate: measured once per machine, never under a training run.
      if (facts.device.kind === 'cpu' && !facts.stepTiming && !facts.measuredTokensPerSecond) {
        const idle = store.runs.listActive().length === 0
        facts.device.matmulGflops = await cpuMatmulGflops(dataDir, idle && measureWith ? measureWith : null)
      }
      const absolute = absoluteConfigPaths(config, process.cwd())
      return { ...estimateRun(facts), measurable: existsSync(absolute.data.train) }
    },
  }
}

/**
 * What model.quantize holds in its bits: the tensors the quantized copy would hold (the cache's own
 * selection, so the two cannot disagree), read off the weight map without quantizing anything.
 */
function quantizedBase(model: OpenedModel, scheme: QuantizedBase['scheme'], notes: string[]): QuantizedBase {
  const plan = quantizationPlan(model.info.weightMap.entries, scheme)
  if (plan.kept.length > 0) {
    const named = plan.kept.slice(0, 3).map((k) => `${k.hfName} (${k.why})`).join('; ')
    notes.push(`model.quantize ${scheme}: ${plan.kept.length} weight${plan.kept.length === 1 ? '' : 's'} stay as stored: ${named}${plan.kept.length > 3 ? '; …' : ''}`)
  }
  return {
    scheme,
    values: plan.tensors.reduce((n, t) => n + t.rows * t.cols, 0),
    bytes: planBytes(plan),
  }
}

/** runsMeasureStep: the configuration timed in a `step-timing` job, kept for runsEstimate (step-timings.ts). */
export function createStepMeasureHandlers(dataDir: string, longWork: WorkPlace) {
  return {
    async runsMeasureStep({ config }: CallParsedInput<'runsMeasureStep'>): Promise<CallOutput<'runsMeasureStep'>> {
      const absolute = absoluteConfigPaths(config, process.cwd())
      const timing = await longWork.run(
        { kind: 'step-timing', request: { config: absolute, dataDir }, result: StepTiming, what: 'The measurement', stopped: 'The measurement was stopped before it finished' },
        () => measureRequested({ config: absolute, dataDir }, unwatchedWork),
      )
      saveStepTiming(dataDir, config, timing)
      return timing
    },
  }
}
