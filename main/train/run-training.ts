// One run, trained by the process that calls this (a `train` job process, or the CLI itself).
// That process owns the run's record: it marks it running with its pid, writes metrics (one
// transaction per step), checkpoints and the final adapter to the store itself (SQLite WAL is
// safe across processes), so a dead main process loses nothing and CLI and UI runs behave the
// same. A run that has checkpoints continues from the newest one: resuming is running again.
import { existsSync, mkdirSync } from 'node:fs'
import { writeFileAtomicSync } from '../runtime/file-writes'
import { join } from 'node:path'
import { RunConfig, type RunEvent } from '../contract'
import { routerMetricValues } from '../contract/router-metrics'
import type { OpenedModel } from '../models'
import { openRunModel } from '../models/quantized/open-run-model'
import { currentProcessIdentity, HEARTBEAT_INTERVAL_MS, openStore, runsDir, type MetricSample, type Store } from '../store'
import { nativeAdapterConfig, readAdapterFolder, valuesFromAdapter, writeAdapterFolder, type BaseModelInfo } from './adapter-files'
import { describeAdapterConfig, describeModelShapes } from './adapter-tensor-checks'
import { START_POSITION, staticBatchShape, type BatchLayout } from './batches'
import { listCheckpoints, readCheckpoint } from './checkpoint'
import { describePacking } from './packing'
import { prepareRunData } from './run-data'
import { runEventLogLine } from './run-log-lines'
import { buildTrainStep, type StepGraph } from './step-graph'
import { withFailureHint } from './failure-hints'
import { describeTarget, wasTried } from '../runtime'
import { EvalSuite } from './eval-suite'
import { Trainer, TrainingDivergedError, type StepEvent, type TrainerFaults, type TrainerStart } from './trainer'

export function runFolder(dataDir: string, runId: string): string {
  return join(runsDir(dataDir), runId)
}

export interface RunTrainingOptions {
  dataDir: string
  runId: string
  onEvent?: (event: RunEvent) => void
  /** Asked between steps; true stops the run (checkpoint, then `cancelled`). */
  shouldStop?: () => boolean
  /** onnxruntime threads; default all cores. */
  threads?: number
  /** Test-only faults (see TrainerFaults); not reachable from a run configuration. */
  faults?: TrainerFaults
  /**
   * The run was claimed for this process to train (runsStart or runsResume for a job, the CLI for
   * itself): it trains only if it is still starting, not if it was cancelled or found orphaned
   * while this process started. Without it, a stopped run is resumed directly.
   */
  claimed?: boolean
}

export interface RunOutcome {
  status: 'completed' | 'cancelled' | 'failed'
  step: number
  adapter: string | null
  error: string | null
}

/** Trains the run `runId` of the store in `dataDir` to its end (or until stopped). */
export async function runTraining(options: RunTrainingOptions): Promise<RunOutcome> {
  // Whoever asked for this training (a studio's job runner, the CLI's recordRun) opened and checked the store.
  const store = openStore(options.dataDir, { openedBy: 'job' })
  try {
    return await trainRun(store, options)
  } finally {
    store.close()
  }
}

async function trainRun(store: Store, options: RunTrainingOptions): Promise<RunOutcome> {
  const { runId } = options
  const record = store.runs.get(runId)
  if (!record) throw new Error(`there is no run ${runId}`)
  // The line is stored before the event goes out, so a page that re-reads the log on an event finds it.
  let lastCheckpointStep: number | null = null
  const emit = (event: RunEvent) => {
    // Cancelling right after a save writes the same step's checkpoint again: one line is enough.
    const repeated = event.type === 'checkpoint' && event.step === lastCheckpointStep
    if (event.type === 'checkpoint') lastCheckpointStep = event.step
    const line = repeated ? null : runEventLogLine(event)
    if (line) store.runLog.append(runId, line.level, line.message)
    options.onEvent?.(event)
  }
  const log = (level: 'info' | 'warn' | 'error', message: string) => emit({ type: 'log', runId, level, message })

  // Refuses (throws) a run that is running, completed, or no longer starting for a claimed start.
  store.runs.markRunning(runId, currentProcessIdentity(), new Date(), { claimed: options.claimed ?? false })
  emit({ type: 'status', runId, status: 'running', error: null, adapter: null })
  // Where a process's start time cannot be read, this heartbeat is what tells this live run from
  // a dead one whose pid was reused (see HEARTBEAT_LEASE_MS).
  const heartbeat = setInterval(() => {
    try {
      store.runs.heartbeat(runId, process.pid)
    } catch {
      // A busy database: the next beat or step writes it; a broken one fails the next step.
    }
  }, HEARTBEAT_INTERVAL_MS)
  heartbeat.unref()
  let lastStep = 0
  let suite: EvalSuite | null = null
  try {
    const config = RunConfig.parse(record.config)
    const dir = runFolder(options.dataDir, runId)
    mkdirSync(dir, { recursive: true })
    const configFile = join(dir, 'config.json')
    // Whole or absent: store restore re-registers a run from this file.
    if (!existsSync(configFile)) writeFileAtomicSync(configFile, `${JSON.stringify(config, null, 2)}\n`)

    // With model.quantize, the quantized copy under the data folder (made the first time) serves the frozen weights.
    const model = openRunModel(config.model, options.dataDir, (message) => log('info', message))
    if (model.quantized) {
      const { scheme, dir: copy, bytes, kept } = model.quantized
      log('info', `frozen base in ${scheme}: ${(bytes / 1e6).toFixed(1)} MB in ${copy}${kept.length ? `; kept as stored: ${kept.map((k) => `${k.hfName} (${k.why})`).join(', ')}` : ''}`)
    }
    const { layout, data, batchShape, step, evalStep } = await prepareTraining(config, model, dir, options.threads, log)
    const packed = config.data.packing
    store.runs.setTrainedOn(runId, describeTarget(step.target))
    // A static (GPU) step that bounds the labelled tokens says so: the head's rows are most of what it saves.
    const shape = step.target.shape
    const head = step.labelRows && shape?.labeled !== undefined ? `, the LM head at up to ${shape.labeled} labelled tokens of ${shape.batch * shape.seq}` : ''
    log('info', `training ${step.trainableParameterCount} adapter parameters (${((100 * step.trainableParameterCount) / model.info.parameterCount).toFixed(3)}% of ${model.info.parameterCount}) on ${describeTarget(step.target)}${head}, ${data.train.length} training and ${data.validation.length} validation examples`)

    // Accuracy on eval.sets and answers to eval.prompts: read, checked and built before the first
    // step, so a bad eval file fails the run now, naming its line, not at the first eval.
    suite = await EvalSuite.open(config, model, step.parameters, { device: step.target.provider, ...(options.threads ? { threads: options.threads } : {}), onNotice: (level, message) => log(level, message) })
    const evaluateSuite = suite
    if (suite) log('info', `evaluating at every eval step: ${describeSuite(config)}`)
    // Said once, where a CLI user reads: the New run form says it beside the data.
    else if (data.validation.length === 0) log('info', 'no validation data (data.validation or data.split) and no eval.sets: no eval loss curve, and no best checkpoint to pick')

    const checkpointsDir = join(dir, 'checkpoints')
    const start = startingPoint(config, model, step, checkpointsDir)
    if (start.checkpoint) log('info', `resuming from ${start.checkpoint} (step ${start.step})`)
    const base = baseModelInfo(config.model.path, model)
    const trainer = new Trainer({
      step,
      evalStep,
      train: data.train,
      validation: data.validation,
      layout: { ...layout, shape: step.target.shape, packedWidth: packed ? batchShape.seq : null },
      settings: { ...config.train, shuffle: config.data.shuffle },
      checkpointsDir,
      adapterConfigAt: (at) => nativeAdapterConfig(config.adapter, base, step.trainableParameterCount, at),
      start,
      ...(evaluateSuite
        ? {
            async extraEval(at: number, parameters: ReadonlyMap<string, Float32Array>) {
              const { metrics, answers } = await evaluateSuite.evaluate(parameters)
              if (answers.length > 0) {
                store.runAnswers.put(runId, at, answers)
                emit({ type: 'answers', runId, step: at, answers })
              }
              return metrics
            },
          }
        : {}),
      hooks: {
        onStep(event) {
          lastStep = event.step
          store.metrics.append(runId, stepMetrics(event))
          store.runs.markProgress(runId)
          emit({ type: 'step', runId, ...event })
        },
        onEval(event) {
          store.metrics.append(runId, Object.entries(event.metrics).map(([name, value]) => ({ name, step: event.step, value })))
          emit({ type: 'eval', runId, ...event })
        },
        onBest(event) {
          store.runs.setBestStep(runId, event.step)
        },
        onCheckpoint(event) {
          store.db.transaction(() => {
            store.artifacts.putCheckpoint(runId, event.step, event.path)
            store.artifacts.removeCheckpoints(runId, event.removed)
          })()
          emit({ type: 'checkpoint', runId, step: event.step, path: event.path })
        },
        shouldStop: options.shouldStop,
        onNotice: (level, message) => log(level, message),
      },
      ...(options.faults ? { faults: options.faults } : {}),
    })
    if (trainer.packing) log('info', `${describePacking(trainer.packing)} (rows of ${batchShape.seq} tokens, ${config.train.batch_size} a batch; first epoch)`)
    store.runs.setTotalSteps(runId, trainer.totalSteps)
    // A process killed between writing a new best's checkpoint and recording it left the store
    // naming an older best: the checkpoint's own state says which it is.
    const resumedBest = trainer.bestSoFar
    if (resumedBest) store.runs.setBestStep(runId, resumedBest.step)
    if (config.train.epochs !== null) log('info', `${config.train.epochs} epoch${config.train.epochs === 1 ? '' : 's'} of ${data.train.length} training examples: ${trainer.totalSteps} steps`)
    const result = await trainer.run()
    await step.session.dispose()
    if (evalStep !== step) await evalStep?.session.dispose()

    if (result.status === 'cancelled') {
      store.runs.finish(runId, 'cancelled')
      emit({ type: 'status', runId, status: 'cancelled', error: null, adapter: null })
      return { status: 'cancelled', step: result.step, adapter: null, error: null }
    }
    const adapterDir = join(dir, 'adapter')
    writeAdapterFolder(
      adapterDir,
      nativeAdapterConfig(config.adapter, base, step.trainableParameterCount, result.step),
      step.parameters.map((p) => ({ name: p.name, shape: p.shape, data: result.parameters.get(p.name)! })),
    )
    // An early-stopped run's adapter/ holds its last parameters, as any completed run's; its best
    // checkpoint (runs.best_step) is what export, eval and the Playground use by default.
    if (result.stoppedEarly) log('info', result.stoppedEarly)
    store.db.transaction(() => {
      store.artifacts.addExport(runId, 'native', adapterDir)
      if (result.stoppedEarly) store.runs.markStoppedEarly(runId)
      store.runs.finish(runId, 'completed')
    })()
    emit({ type: 'status', runId, status: 'completed', error: null, adapter: adapterDir })
    return { status: 'completed', step: result.step, adapter: adapterDir, error: null }
  } catch (error) {
    const message = error instanceof TrainingDivergedError ? error.message : withFailureHint(error instanceof Error ? error.message : String(error))
    store.runs.finish(runId, 'failed', message)
    emit({ type: 'status', runId, status: 'failed', error: message, adapter: null })
    return { status: 'failed', step: lastStep, adapter: null, error: message }
  } finally {
    clearInterval(heartbeat)
    await suite?.dispose().catch(() => undefined)
  }
}

/**
 * What a run needs before its first step: its data read and tokenized into `dir`, and its train
 * (and eval) step sessions built. Shared with the measured step (measure-step.ts), so what is
 * timed there is what a run does.
 */
export async function prepareTraining(config: RunConfig, model: OpenedModel, dir: string, threads: number | undefined, log: (level: 'info' | 'warn', message: string) => void) {
  const layout = batchLayout(model)
  const packed = config.data.packing
  if (packed && layout.seq2seq) throw new Error('data.packing: an encoder-decoder model (T5) cannot pack several examples into one row; set data.packing: false')
  const data = await prepareRunData(config, model.info.dir, dir)
  for (const note of data.notes) log('warn', note)
  const maxPositions = config.data.max_length
  // A GPU graph is static: every batch is padded to the longest example of the run (packed
  // rows are that wide too, holding as many whole examples as fit).
  const batchShape = staticBatchShape([...data.train, ...data.validation], config.train.batch_size, layout, { packed })
  const step = await buildTrainStep(model, config.adapter, {
    kind: 'train',
    maxPositions,
    packed,
    device: config.device,
    precision: config.train.precision,
    gradientCheckpointing: config.train.gradient_checkpointing,
    batchShape,
    storedDType: model.info.dtype,
    labelRows: true,
    ...(threads ? { threads } : {}),
  })
  for (const r of step.rejected) if (wasTried(r)) log('info', `not training on ${r.provider}: ${r.reason}`)
  if (config.train.gradient_checkpointing) log('info', 'gradient checkpointing: each transformer block is recomputed in the backward pass instead of keeping its activations')
  // On a GPU, evaluation reads the loss of the train session: a second session would hold a
  // second copy of the weights in GPU memory. On the CPU the weights are mapped once, whatever
  // the sessions, and the eval graph skips the backward pass.
  const evalStep = data.validation.length === 0 ? null : step.target.provider !== 'cpu' ? step : await buildTrainStep(model, config.adapter, { kind: 'eval', maxPositions, packed, labelRows: true, ...(threads ? { threads } : {}) })
  return { layout, data, batchShape, step, evalStep }
}

/** "accuracy on arc, hellaswag; greedy answers to 3 prompts", for the run log. */
function describeSuite(config: RunConfig): string {
  const parts: string[] = []
  if (config.eval.sets.length > 0) parts.push(`accuracy on ${config.eval.sets.map((s) => s.name).join(', ')}`)
  if (config.eval.prompts.length > 0) parts.push(`greedy answers to ${config.eval.prompts.length} prompt${config.eval.prompts.length === 1 ? '' : 's'}`)
  return parts.join('; ')
}

/** A provider that was tried (or could have been), not one merely outside this platform's order. */
/**
 * The newest checkpoint of the run, else adapter.init, else the method's init from the seed. A
 * folder to start from must hold exactly this run's parameters (adapter-tensor-checks.ts).
 */
export function startingPoint(config: RunConfig, model: OpenedModel, step: Awaited<ReturnType<typeof buildTrainStep>>, checkpointsDir: string): TrainerStart {
  const target = adapterTarget(config, model)
  const newest = listCheckpoints(checkpointsDir).at(-1)
  if (newest) {
    const saved = readCheckpoint(newest.path)
    const parameters = valuesFromAdapter(saved.adapter, step.parameters, {
      role: 'checkpoint',
      target,
      advice: 'The checkpoint was changed after this run wrote it; remove its folder to resume from the one before.',
    })
    return { step: saved.state.step, position: saved.state.position, parameters, optimizer: saved.optimizer, checkpoint: newest.path, lossScale: saved.state.lossScale ?? null, best: saved.state.best ?? null }
  }
  return { step: 0, position: START_POSITION, parameters: initialParameters(config, model, step), optimizer: null, checkpoint: null }
}

/** What a folder of starting values must fit, for its errors. */
function adapterTarget(config: RunConfig, model: OpenedModel): string {
  return `this run's adapter (${describeAdapterConfig(config.adapter)}) on ${config.model.path} (${describeModelShapes(model.spec)})`
}

/** A fresh run's starting values: adapter.init's folder, else the method's init from the seed (the cluster job starts from them too). */
export function initialParameters(config: RunConfig, model: OpenedModel, step: Pick<StepGraph, 'parameters' | 'initialValues'>): Map<string, Float32Array> {
  if (!config.adapter.init) return step.initialValues(config.train.seed)
  return valuesFromAdapter(readAdapterFolder(config.adapter.init), step.parameters, {
    role: 'adapter.init',
    target: adapterTarget(config, model),
    advice: 'Start from an adapter trained with the same method, sites, experts and rank on the same base model.',
  })
}

export function batchLayout(model: OpenedModel): BatchLayout {
  const { spec } = model
  return {
    seq2seq: spec.family === 't5',
    decoderStartTokenId: spec.family === 't5' ? spec.decoderStartTokenId : 0,
    padTokenId: spec.tokens.pad ?? spec.tokens.eos[0] ?? 0,
  }
}

export function baseModelInfo(path: string, model: OpenedModel): BaseModelInfo {
  return {
    path,
    model_type: model.spec.modelType,
    architecture: model.info.architecture,
    hidden_size: model.spec.hiddenSize,
    num_layers: model.spec.numLayers,
    vocab_size: model.spec.vocabSize,
    // An adapter trained on a quantized base is used on the same base (generate, eval, the ONNX export).
    ...(model.quantized ? { quantize: model.quantized.scheme } : {}),
  }
}

/** One step's metrics (stored in one transaction): loss, lr, grad_norm, tokens_per_s, tokens, and router statistics when fetched. */
export function stepMetrics(event: StepEvent): MetricSample[] {
  const { step } = event
  const samples: MetricSample[] = [
    { name: 'loss', step, value: event.loss },
    { name: 'lr', step, value: event.lr },
    { name: 'grad_norm', step, value: event.gradNorm },
    { name: 'tokens_per_s', step, value: event.tokensPerSecond },
    { name: 'tokens', step, value: event.tokens },
  ]
  if (event.auxLoss !== null) samples.push({ name: 'aux_loss', step, value: event.auxLoss })
  if (event.lossScale !== null) samples.push({ name: 'loss_scale', step, value: event.lossScale })
  for (const r of event.routers ?? []) samples.push(...routerMetricValues(r).map(({ name, value }) => ({ name, step, value })))
  return samples
}
