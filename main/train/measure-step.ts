// A run's cost measured on this machine: the run's own preparation (data read and tokenized,
// sessions built) and a few of its steps, trained exactly as the run would train them, into a
// scratch folder that is removed after. The New run estimate uses it instead of a guess from
// FLOPs: on a small model a step is mostly fixed costs no FLOP count sees (kernel launches,
// the optimizer in JS, a checkpoint), and the nominal guess was 6× too fast there.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunConfig, StepTiming } from '../contract'
import { openRunModel } from '../models/quantized/open-run-model'
import { describeTarget } from '../runtime'
import { nativeAdapterConfig } from './adapter-files'
import { baseModelInfo, prepareTraining, startingPoint } from './run-training'
import { Trainer } from './trainer'

/** Steps a measurement trains: the first warms up, the rest are timed (the last also evaluates and saves). */
export const MEASURED_STEPS = 6

export interface MeasureOptions {
  /** The data folder: a quantized base (model.quantize) is read from, or made once in, its cache as the run's would be. */
  dataDir: string
  threads?: number
  /** Told what is being done, for a progress line (with how much of it, when that is known). */
  onPhase?: (label: string, done?: number, total?: number) => void
  /** Asked between steps: true stops the measurement (nothing is kept). */
  shouldStop?: () => boolean
  /**
   * Seconds the measuring process took to start (a job process's start and imports, as a run's
   * own job process pays them); 0 when measured in a process that was already running.
   */
  processStartSeconds?: number
}

/** Times `config` as its run would train it. Throws what the run would throw (a bad row, a device it cannot use). */
export async function measureStepTiming(config: RunConfig, options: MeasureOptions): Promise<StepTiming> {
  const began = performance.now()
  const scratch = mkdtempSync(join(tmpdir(), 'mixture-studio-measure-'))
  try {
    options.onPhase?.('Reading the data and building the training step')
    // A quantized base is made once, the first time: minutes for a large model, so say how far it is.
    const model = openRunModel(config.model, options.dataDir, undefined, (done, total) => options.onPhase?.(`Making the ${config.model.quantize} copy of the model's weights (once): tensor ${done} of ${total}`, done, total))
    const { layout, data, batchShape, step, evalStep } = await prepareTraining(config, model, scratch, options.threads, () => {})
    const prepared = performance.now()
    const steps = Math.min(MEASURED_STEPS, config.train.max_steps ?? MEASURED_STEPS)
    const marks: { onStep: number[]; evalStart: number | null; evalEnd: number | null; lastEval: number | null; checkpoint: number | null } = {
      onStep: [],
      evalStart: null,
      evalEnd: null,
      lastEval: null,
      checkpoint: null,
    }
    const base = baseModelInfo(config.model.path, model)
    const trainer = new Trainer({
      step,
      evalStep,
      train: data.train,
      validation: data.validation,
      layout: { ...layout, shape: step.target.shape, packedWidth: config.data.packing ? batchShape.seq : null },
      // Evaluates at step 0 and at the last step, and saves once: each is timed once.
      settings: { ...config.train, max_steps: steps, epochs: null, eval_every: steps, save_every: steps, early_stopping: null, shuffle: config.data.shuffle },
      checkpointsDir: join(scratch, 'checkpoints'),
      adapterConfigAt: (at) => nativeAdapterConfig(config.adapter, base, step.trainableParameterCount, at),
      start: startingPoint(config, model, step, join(scratch, 'checkpoints')),
      hooks: {
        onStep(event) {
          marks.onStep.push(performance.now())
          options.onPhase?.(`Timing step ${event.step} of ${steps}`)
        },
        onEval(event) {
          if (event.step === 0) marks.evalEnd = performance.now()
          else marks.lastEval = performance.now()
        },
        onCheckpoint() {
          marks.checkpoint = performance.now()
        },
        shouldStop: options.shouldStop,
      },
    })
    marks.evalStart = performance.now()
    const result = await trainer.run()
    await step.session.dispose()
    if (evalStep && evalStep !== step) await evalStep.session.dispose()
    if (result.status === 'cancelled') throw new MeasurementStopped()

    const evalSeconds = marks.evalEnd !== null && marks.evalStart !== null ? (marks.evalEnd - marks.evalStart) / 1000 : null
    const firstStepAt = marks.evalEnd ?? marks.evalStart
    const durations = marks.onStep.map((at, i) => (at - (i === 0 ? firstStepAt : marks.onStep[i - 1])) / 1000)
    // The first step builds kernels and caches: timed apart, it is a fixed cost paid once.
    const timed = durations.length > 1 ? durations.slice(1) : durations
    const lastStepAt = marks.onStep.at(-1) ?? prepared
    const checkpointSeconds = marks.checkpoint !== null ? (marks.checkpoint - (marks.lastEval ?? lastStepAt)) / 1000 : 0
    return {
      device: describeTarget(step.target),
      provider: step.target.provider,
      startupSeconds: (options.processStartSeconds ?? 0) + (prepared - began) / 1000,
      firstStepSeconds: durations[0],
      secondsPerStep: median(timed),
      evalSeconds,
      checkpointSeconds,
      stepsTimed: timed.length,
      measuredAt: new Date().toISOString(),
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

export class MeasurementStopped extends Error {
  constructor() {
    super('The measurement was stopped before it finished')
    this.name = 'MeasurementStopped'
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
