// The training loop over an open train-step session: gradient accumulation, global-norm
// clipping, the optimizer and schedule in TypeScript, the NaN/inf guard, evaluation on the
// validation set (and the caller's extra evaluation), the best checkpoint and early stopping,
// router statistics at logging steps, and checkpoints. No store and no process here:
// run-training.ts wires it to those, tests drive it directly.
import { clipGradientsByGlobalNorm, createOptimizer, learningRateAt, type Optimizer, type OptimizerSpec, type OptimizerState } from '../engine/optim'
import type { RunConfig } from '../contract/run-config'
import { hostTensor, type HostTensor } from '../runtime'
import { labelPositionsFeed } from '../models/inference/tensors'
import type { AdapterTensor, NativeAdapterConfig } from './adapter-files'
import type { Batch, BatchLayout, DataPosition, TrainingExample } from './batches'
import { createBatchSource, stepsForEpochs, type BatchSource } from './batch-source'
import { bestRule, earlyStopMessage, updateBest, type BestRule, type BestState } from './best-metric'
import { pruneCheckpoints, writeCheckpoint } from './checkpoint'
import { initialLossScale, nextLossScale, type LossScaleState } from './loss-scale'
import { STEP_OUTPUTS, type TrainStep } from './step-graph'

/** Router statistics are fetched every this many steps (and at the last step). */
export const ROUTER_STATS_EVERY = 10
/** Checkpoints kept per run (the newest; the best one is kept besides). */
export const CHECKPOINTS_KEPT = 3

export type TrainSettings = RunConfig['train'] & { shuffle: boolean }

export interface RouterSiteStats {
  module: string
  site: string
  layer: number
  /** Mean routing probability per expert over real tokens. */
  load: number[]
  /** Mean routing entropy (nats); ln E is uniform. */
  entropy: number
}

export interface StepEvent {
  step: number
  loss: number
  lr: number
  gradNorm: number
  tokensPerSecond: number
  /** Real (unpadded) tokens this step read, accumulation included: summed, the x axis "tokens seen". */
  tokens: number
  /** Seconds left at the current pace. */
  etaSeconds: number
  /** The steps this run trains (train.max_steps, or counted from train.epochs); early stopping may end it sooner. */
  totalSteps: number
  epoch: number
  auxLoss: number | null
  routers: RouterSiteStats[] | null
  /** fp16 runs: the loss scale this step ran with (null otherwise). */
  lossScale: number | null
  /** fp16 runs: the gradients overflowed, so this step applied no update (and the scale was halved). */
  skippedUpdate: boolean
}

export interface EvalEvent {
  step: number
  /** The validation loss; null when the run has no validation set (only extraEval's metrics). */
  loss: number | null
  tokens: number
  examples: number
  /** Every metric of this evaluation by its stored name: eval_loss (with validation) and extraEval's (accuracy.<set>). */
  metrics: Record<string, number>
}

/** A new best value of the watched metric: its step was checkpointed and is the run's best. */
export interface BestEvent {
  step: number
  metric: string
  value: number
}

export interface CheckpointEvent {
  step: number
  path: string
  /** Checkpoints pruned by this one: forget them now; their folders are deleted after the hook returns. */
  removed: string[]
}

export interface TrainerHooks {
  onStep?(event: StepEvent): void
  onEval?(event: EvalEvent): void
  onCheckpoint?(event: CheckpointEvent): void
  /** Called after the checkpoint of the new best's step is written (onCheckpoint first). */
  onBest?(event: BestEvent): void
  /** Asked between steps; true stops the run after a checkpoint. */
  shouldStop?(): boolean
  /** Something the user should read in the run log (an fp16 update skipped, ...). */
  onNotice?(level: 'info' | 'warn', message: string): void
}

/** Where training starts: fresh (step 0) or from a checkpoint. */
export interface TrainerStart {
  step: number
  position: DataPosition
  parameters: Map<string, Float32Array>
  optimizer: OptimizerState | null
  /** The checkpoint it was read from: the last good one until a newer is written. */
  checkpoint: string | null
  /** fp16 runs: the checkpointed loss scale; absent or null starts from the initial scale. */
  lossScale?: LossScaleState | null
  /** The watched metric's best and patience so far (from the checkpoint); absent or null: none yet. */
  best?: BestState | null
}

/** Test-only fault injection; deliberately not reachable from a run configuration. */
export interface TrainerFaults {
  /** Replace the loss of this step (1-based) by NaN. */
  nonFiniteLossAtStep?: number
}

export interface TrainerSetup {
  step: TrainStep
  /** The eval step session, or null when there is no validation set. */
  evalStep: TrainStep | null
  train: readonly TrainingExample[]
  validation: readonly TrainingExample[]
  /** packedWidth: pack examples into rows of this many tokens (data.packing; the steps must be built packed). */
  layout: BatchLayout & { packedWidth?: number | null }
  settings: TrainSettings
  checkpointsDir: string
  /** adapter_config.json of a checkpoint at a step. */
  adapterConfigAt(step: number): NativeAdapterConfig
  start: TrainerStart
  hooks?: TrainerHooks
  /**
   * More metrics at every eval point (step 0 of a fresh run, every eval_every, the last step),
   * after the validation loss, with or without a validation set: e.g. { 'accuracy.arc': 0.62 }.
   * They join the eval event, and early stopping may watch one.
   */
  extraEval?: (step: number, parameters: ReadonlyMap<string, Float32Array>) => Promise<Record<string, number>>
  faults?: TrainerFaults
}

export interface TrainerResult {
  status: 'completed' | 'cancelled'
  step: number
  parameters: Map<string, Float32Array>
  lastCheckpoint: string | null
  /** The watched metric's best so far (its step has a checkpoint); null when nothing is watched or no evaluation ran after step 0. */
  best: BestState | null
  /** Why the run stopped before its last step (early stopping, in words for the run log); null otherwise. */
  stoppedEarly: string | null
}

/** The loss or a gradient stopped being a finite number. The run stops; its last good checkpoint stays. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError'
  constructor(
    readonly step: number,
    what: string,
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `step ${step}: ${what}. Training stopped; ` +
        (lastCheckpoint ? `the last good checkpoint is kept at ${lastCheckpoint}. ` : 'no checkpoint was written yet. ') +
        'Lower train.lr (or set train.max_grad_norm), then resume or start again.',
    )
  }
}

export function optimizerSpec(settings: TrainSettings): OptimizerSpec {
  switch (settings.optimizer) {
    case 'adamw':
      return { optimizer: 'adamw', weightDecay: settings.weight_decay }
    case 'adafactor':
      return { optimizer: 'adafactor', weightDecay: settings.weight_decay }
    case 'sgd':
      return { optimizer: 'sgd', weightDecay: settings.weight_decay }
  }
}

export class Trainer {
  private readonly batches: BatchSource
  private readonly optimizer: Optimizer
  private readonly params: Map<string, Float32Array>
  private position: DataPosition
  private stepsDone: number
  private lastCheckpoint: string | null = null
  private readonly stepSeconds: number[] = []
  /** The steps this run trains: train.max_steps, or train.epochs' worth of batches. */
  readonly totalSteps: number
  private readonly bestRule: BestRule | null
  private best: BestState | null
  private warnedMissingMetric = false
  /** fp16 train graphs only (step.lossScaled). */
  private lossScale: LossScaleState | null

  constructor(private readonly setup: TrainerSetup) {
    const { settings, step, start } = setup
    if (setup.layout.packedWidth && !step.packed) throw new Error('packed batches need a step graph built for packed rows')
    this.batches = createBatchSource(setup.train, setup.validation, setup.layout, {
      batchSize: settings.batch_size, shuffle: settings.shuffle, seed: settings.seed, packedWidth: setup.layout.packedWidth ?? null,
    })
    this.optimizer = createOptimizer(
      step.parameters.map((p) => ({ name: p.name, shape: p.shape })),
      optimizerSpec(settings),
    )
    if (start.optimizer) this.optimizer.loadState(start.optimizer)
    this.params = new Map(step.parameters.map((p) => {
      const values = start.parameters.get(p.name)
      if (!values || values.length !== p.size) throw new Error(`no starting values for adapter parameter ${p.name} [${p.shape.join(', ')}]`)
      return [p.name, values.slice()]
    }))
    this.position = { ...start.position }
    this.stepsDone = start.step
    this.lastCheckpoint = start.checkpoint
    this.lossScale = step.lossScaled ? (start.lossScale ?? initialLossScale()) : null
    this.totalSteps = settings.max_steps ?? stepsForEpochs(this.batches, settings.epochs ?? 1, settings.grad_accum)
    this.bestRule = bestRule(settings.early_stopping, this.hasValidation)
    this.best = start.best && this.bestRule && start.best.metric === this.bestRule.metric ? { ...start.best } : null
  }

  private get hasValidation(): boolean {
    return this.setup.evalStep !== null && this.setup.validation.length > 0
  }

  get parameters(): Map<string, Float32Array> {
    return this.params
  }

  /** The watched metric's best so far (from the checkpoint a resumed run starts at); null before any. */
  get bestSoFar(): BestState | null {
    return this.best
  }

  /** Packing's padding in the first epoch (for the run log); null without packing. */
  get packing() {
    return this.batches.packing
  }

  async run(): Promise<TrainerResult> {
    const { settings, hooks } = this.setup
    const evaluates = this.hasValidation || this.setup.extraEval !== undefined
    // The starting point of the eval curve: the base model (or adapter.init) before any update.
    // Not a candidate for the best: there is no checkpoint of it to export or resume.
    if (evaluates && this.stepsDone === 0) hooks?.onEval?.(await this.evaluate(0))
    // Resumed from the checkpoint early stopping wrote (killed before its adapter was): it stays stopped.
    const rule = this.bestRule
    if (rule?.patience != null && this.best && this.best.evalsWithoutImprovement >= rule.patience && this.stepsDone < this.totalSteps) return this.result('completed', earlyStopMessage(rule, this.best))
    while (this.stepsDone < this.totalSteps) {
      if (hooks?.shouldStop?.()) {
        this.checkpoint()
        return this.result('cancelled')
      }
      const step = this.stepsDone + 1
      const event = await this.trainStep(step)
      this.stepsDone = step
      hooks?.onStep?.(event)
      const last = step === this.totalSteps
      let watched: { improved: boolean; exhausted: boolean } = { improved: false, exhausted: false }
      if (evaluates && (step % settings.eval_every === 0 || last)) {
        const evaluation = await this.evaluate(step)
        hooks?.onEval?.(evaluation)
        watched = this.watch(evaluation)
      }
      if (step % settings.save_every === 0 || last || watched.improved || watched.exhausted) this.checkpoint()
      if (watched.improved) hooks?.onBest?.({ step, metric: this.best!.metric, value: this.best!.value })
      // Patience running out at the last step stops nothing: the run ends there anyway.
      if (watched.exhausted && !last) return this.result('completed', earlyStopMessage(this.bestRule!, this.best!))
    }
    return this.result('completed')
  }

  /**
   * Token-mean loss over the whole validation set with the current parameters (when there is
   * one), then the extra evaluation's metrics.
   */
  async evaluate(step = this.stepsDone): Promise<EvalEvent> {
    const evalStep = this.hasValidation ? this.setup.evalStep : null
    const { validation } = this.setup
    let nll = 0
    let tokens = 0
    if (evalStep) {
      for (const batch of this.batches.validationBatches()) {
        const out = await evalStep.session.run(this.stepFeeds(evalStep, batch), [STEP_OUTPUTS.loss])
        nll += scalar(out[STEP_OUTPUTS.loss]) * batch.labelTokens
        tokens += batch.labelTokens
      }
    }
    const loss = evalStep ? (tokens > 0 ? nll / tokens : 0) : null
    const extra = this.setup.extraEval ? await this.setup.extraEval(step, this.params) : {}
    const metrics: Record<string, number> = { ...(loss === null ? {} : { eval_loss: loss }), ...extra }
    return { step, loss, tokens, examples: evalStep ? validation.length : 0, metrics }
  }

  /** The watched metric after an evaluation: a new best, or one more evaluation without improvement. */
  private watch(evaluation: EvalEvent): { improved: boolean; exhausted: boolean } {
    const rule = this.bestRule
    if (!rule) return { improved: false, exhausted: false }
    const value = evaluation.metrics[rule.metric]
    if (value === undefined || !Number.isFinite(value)) {
      if (!this.warnedMissingMetric) {
        this.warnedMissingMetric = true
        const reported = Object.keys(evaluation.metrics)
        this.setup.hooks?.onNotice?.('warn', `step ${evaluation.step}: the evaluation reported no ${value === undefined ? '' : 'finite '}${rule.metric} (it reported ${reported.length ? reported.join(', ') : 'nothing'}), so no best checkpoint is chosen by it and early stopping waits`)
      }
      return { improved: false, exhausted: false }
    }
    const update = updateBest(rule, this.best, evaluation.step, value)
    this.best = update.state
    return { improved: update.improved, exhausted: update.exhausted }
  }

  private async trainStep(step: number): Promise<StepEvent> {
    const { settings } = this.setup
    const began = performance.now()
    const lr = learningRateAt(step - 1, { schedule: settings.schedule, lr: settings.lr, warmupSteps: settings.warmup_steps, totalSteps: this.totalSteps })
    const withRouters = this.setup.step.routers.length > 0 && (step % ROUTER_STATS_EVERY === 0 || step === this.totalSteps || step === 1)
    const epoch = this.position.epoch

    // Micro-batches of the accumulated batch; each gradient is the mean over its own label
    // tokens, so weighting by token share gives the mean over all label tokens of the batch.
    const micro: { batch: Batch; out: Record<string, HostTensor> }[] = []
    for (let m = 0; m < settings.grad_accum; m++) {
      const { batch, next } = this.batches.take(this.position)
      this.position = next
      const out = await this.setup.step.session.run(this.stepFeeds(this.setup.step, batch), this.fetches(withRouters && m === 0))
      micro.push({ batch, out })
    }
    const labelTokens = micro.reduce((n, m) => n + m.batch.labelTokens, 0)
    const share = (m: { batch: Batch }) => (labelTokens > 0 ? m.batch.labelTokens / labelTokens : 1 / micro.length)

    let loss = 0
    let auxLoss: number | null = this.setup.step.hasAuxLoss ? 0 : null
    const grads: Record<string, Float32Array> = {}
    for (const p of this.setup.step.parameters) grads[p.name] = new Float32Array(p.size)
    for (const m of micro) {
      const w = share(m)
      loss += w * scalar(m.out[STEP_OUTPUTS.loss])
      if (auxLoss !== null) auxLoss += w * scalar(m.out[STEP_OUTPUTS.auxLoss])
      for (const p of this.setup.step.parameters) {
        const g = m.out[STEP_OUTPUTS.gradient(p.name)].data as Float32Array
        const acc = grads[p.name]
        for (let i = 0; i < acc.length; i++) acc[i] += w * g[i]
      }
    }
    if (this.setup.faults?.nonFiniteLossAtStep === step) loss = Number.NaN

    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, `the loss is ${loss}`, this.lastCheckpoint)
    const ranWithScale = this.lossScale?.scale ?? null
    const clip = clipGradientsByGlobalNorm(grads, settings.max_grad_norm)
    const nonFinite = () => `the gradient of ${clip.nonFinite.slice(0, 3).join(', ')}${clip.nonFinite.length > 3 ? ` and ${clip.nonFinite.length - 3} more` : ''} is not finite (NaN or infinity)`
    let skippedUpdate = false
    if (this.lossScale) {
      // fp16: an overflow is expected now and then; it costs one update and halves the scale.
      const outcome = nextLossScale(this.lossScale, clip.nonFinite.length === 0)
      if (outcome.kind === 'exhausted') throw new TrainingDivergedError(step, `${nonFinite()} even at loss scale ${this.lossScale.scale}`, this.lastCheckpoint)
      if (outcome.kind === 'skip') {
        skippedUpdate = true
        this.setup.hooks?.onNotice?.('warn', `step ${step}: the fp16 gradients overflowed at loss scale ${this.lossScale.scale}; this update was skipped and the scale lowered to ${outcome.next.scale}`)
      }
      this.lossScale = outcome.next
    } else if (clip.nonFinite.length > 0) {
      throw new TrainingDivergedError(step, nonFinite(), this.lastCheckpoint)
    }
    if (!skippedUpdate) this.optimizer.update(Object.fromEntries(this.params), grads, lr)

    const seconds = (performance.now() - began) / 1000
    const stepTokens = micro.reduce((n, m) => n + m.batch.tokens, 0)
    this.stepSeconds.push(seconds)
    const recent = this.stepSeconds.slice(-20)
    const pace = recent.reduce((a, b) => a + b, 0) / recent.length
    return {
      step,
      loss,
      lr,
      gradNorm: skippedUpdate ? 0 : clip.norm,
      tokensPerSecond: stepTokens / Math.max(seconds, 1e-9),
      tokens: stepTokens,
      etaSeconds: pace * (this.totalSteps - step),
      totalSteps: this.totalSteps,
      epoch,
      auxLoss,
      routers: withRouters ? this.routerStats(micro[0].out) : null,
      lossScale: ranWithScale,
      skippedUpdate,
    }
  }

  private fetches(withRouters: boolean): string[] {
    const step = this.setup.step
    const names: string[] = [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
    if (step.hasAuxLoss) names.push(STEP_OUTPUTS.auxLoss)
    if (withRouters) for (const r of step.routers) names.push(r.load, r.entropy)
    return names
  }

  private routerStats(out: Record<string, HostTensor>): RouterSiteStats[] {
    return this.setup.step.routers.map((r) => ({
      module: r.module,
      site: r.site,
      layer: r.layer,
      load: Array.from(out[r.load].data as Float32Array),
      entropy: scalar(out[r.entropy]),
    }))
  }

  /** A batch's feeds for `step`: its tensors, the labelled tokens when the graph runs the head at those alone, the parameters. */
  private stepFeeds(step: TrainStep, batch: Batch): Record<string, HostTensor> {
    return { ...batch.feeds, ...(step.labelRows ? labelPositionsFeed(batch.feeds.label_mask, step.target.shape?.labeled) : {}), ...this.parameterFeeds(step) }
  }

  /** The adapter's parameters, and the loss scale when the graph takes one. */
  private parameterFeeds(step: TrainStep): Record<string, HostTensor> {
    const feeds: Record<string, HostTensor> = Object.fromEntries(step.parameters.map((p) => [p.name, hostTensor('float32', p.shape, this.params.get(p.name)!)]))
    if (step.lossScaled) feeds[STEP_OUTPUTS.lossScale] = hostTensor('float32', [], Float32Array.of(this.lossScale?.scale ?? 1))
    return feeds
  }

  private checkpoint(): void {
    const step = this.stepsDone
    if (step === 0) return
    const parameters: AdapterTensor[] = this.setup.step.parameters.map((p) => ({ name: p.name, shape: p.shape, data: this.params.get(p.name)! }))
    const path = writeCheckpoint(this.setup.checkpointsDir, {
      step,
      position: this.position,
      adapterConfig: this.setup.adapterConfigAt(step),
      parameters,
      optimizer: this.optimizer.state(),
      lossScale: this.lossScale,
      best: this.best,
    })
    this.lastCheckpoint = path
    // The hook records this checkpoint and forgets the pruned ones before their folders are deleted.
    // The best checkpoint stays whatever its age: export, eval and the Playground default to it.
    pruneCheckpoints(this.setup.checkpointsDir, CHECKPOINTS_KEPT, [step, ...(this.best ? [this.best.step] : [])], {
      forget: (removed) => this.setup.hooks?.onCheckpoint?.({ step, path, removed }),
    })
  }

  private result(status: TrainerResult['status'], stoppedEarly: string | null = null): TrainerResult {
    return { status, step: this.stepsDone, parameters: this.params, lastCheckpoint: this.lastCheckpoint, best: this.best, stoppedEarly }
  }
}

function scalar(t: HostTensor | undefined): number {
  if (!t) throw new Error('internal: a step output was not fetched')
  return Number(t.data[0])
}
