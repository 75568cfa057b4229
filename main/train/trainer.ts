// The training loop over an open train-step session: gradient accumulation, global-norm
// clipping, the optimizer and schedule in TypeScript, the NaN/inf guard, evaluation on the
// validation set, router statistics at logging steps, and checkpoints. No store and no
// process here: run-training.ts wires it to those, tests drive it directly.
import { clipGradientsByGlobalNorm, createOptimizer, learningRateAt, type Optimizer, type OptimizerSpec, type OptimizerState } from '../engine/optim'
import type { RunConfig } from '../contract/run-config'
import { hostTensor, type HostTensor } from '../runtime'
import type { AdapterTensor, NativeAdapterConfig } from './adapter-files'
import type { Batch, BatchLayout, DataPosition, TrainingExample } from './batches'
import { createBatchSource, type BatchSource } from './batch-source'
import { pruneCheckpoints, writeCheckpoint } from './checkpoint'
import { initialLossScale, nextLossScale, type LossScaleState } from './loss-scale'
import { STEP_OUTPUTS, type TrainStep } from './step-graph'

/** Router statistics are fetched every this many steps (and at the last step). */
export const ROUTER_STATS_EVERY = 10
/** Checkpoints kept per run (the newest). */
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
  loss: number
  tokens: number
  examples: number
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
  faults?: TrainerFaults
}

export interface TrainerResult {
  status: 'completed' | 'cancelled'
  step: number
  parameters: Map<string, Float32Array>
  lastCheckpoint: string | null
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
  }

  get parameters(): Map<string, Float32Array> {
    return this.params
  }

  /** Packing's padding in the first epoch (for the run log); null without packing. */
  get packing() {
    return this.batches.packing
  }

  async run(): Promise<TrainerResult> {
    const { settings, hooks } = this.setup
    const hasValidation = this.setup.evalStep !== null && this.setup.validation.length > 0
    // The starting point of the eval curve: the base model (or adapter.init) before any update.
    if (hasValidation && this.stepsDone === 0) hooks?.onEval?.(await this.evaluate(0))
    while (this.stepsDone < settings.max_steps) {
      if (hooks?.shouldStop?.()) {
        this.checkpoint()
        return this.result('cancelled')
      }
      const step = this.stepsDone + 1
      const event = await this.trainStep(step)
      this.stepsDone = step
      hooks?.onStep?.(event)
      const last = step === settings.max_steps
      if (hasValidation && (step % settings.eval_every === 0 || last)) hooks?.onEval?.(await this.evaluate(step))
      if (step % settings.save_every === 0 || last) this.checkpoint()
    }
    return this.result('completed')
  }

  /** Token-mean loss over the whole validation set with the current parameters. */
  async evaluate(step = this.stepsDone): Promise<EvalEvent> {
    const evalStep = this.setup.evalStep
    if (!evalStep) throw new Error('this run has no validation set')
    const { validation } = this.setup
    let nll = 0
    let tokens = 0
    for (const batch of this.batches.validationBatches()) {
      const out = await evalStep.session.run({ ...batch.feeds, ...this.parameterFeeds(evalStep) }, [STEP_OUTPUTS.loss])
      nll += scalar(out[STEP_OUTPUTS.loss]) * batch.labelTokens
      tokens += batch.labelTokens
    }
    return { step, loss: tokens > 0 ? nll / tokens : 0, tokens, examples: validation.length }
  }

  private async trainStep(step: number): Promise<StepEvent> {
    const { settings } = this.setup
    const began = performance.now()
    const lr = learningRateAt(step - 1, { schedule: settings.schedule, lr: settings.lr, warmupSteps: settings.warmup_steps, totalSteps: settings.max_steps })
    const withRouters = this.setup.step.routers.length > 0 && (step % ROUTER_STATS_EVERY === 0 || step === settings.max_steps || step === 1)
    const epoch = this.position.epoch

    // Micro-batches of the accumulated batch; each gradient is the mean over its own label
    // tokens, so weighting by token share gives the mean over all label tokens of the batch.
    const micro: { batch: Batch; out: Record<string, HostTensor> }[] = []
    for (let m = 0; m < settings.grad_accum; m++) {
      const { batch, next } = this.batches.take(this.position)
      this.position = next
      const out = await this.setup.step.session.run({ ...batch.feeds, ...this.parameterFeeds(this.setup.step) }, this.fetches(withRouters && m === 0))
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
      etaSeconds: pace * (settings.max_steps - step),
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
    })
    this.lastCheckpoint = path
    // The hook records this checkpoint and forgets the pruned ones before their folders are deleted.
    pruneCheckpoints(this.setup.checkpointsDir, CHECKPOINTS_KEPT, step, {
      forget: (removed) => this.setup.hooks?.onCheckpoint?.({ step, path, removed }),
    })
  }

  private result(status: TrainerResult['status']): TrainerResult {
    return { status, step: this.stepsDone, parameters: this.params, lastCheckpoint: this.lastCheckpoint }
  }
}

function scalar(t: HostTensor | undefined): number {
  if (!t) throw new Error('internal: a step output was not fetched')
  return Number(t.data[0])
}
