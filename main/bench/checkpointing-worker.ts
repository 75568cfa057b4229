// Runs in its own process (see checkpointing.ts, head-loss.ts), so that its peak resident memory is
// one train step's alone: opens the train step of the bench model with or without gradient
// checkpointing, its loss in pieces or through the plain logits,
// runs a warm-up step and timed steps on one synthetic batch, and reports over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { parseAdapterConfig } from '../engine/adapters'
import { openModel } from '../models'
import { hostTensor } from '../runtime'
import { buildTrainStep, STEP_OUTPUTS } from '../train/step-graph'
import type { CheckpointingRequest, CheckpointingResult } from './checkpointing'
import { currentRssBytes, peakRssBytes } from './peak-rss'
import { benchBatch } from './training'

async function measure(request: CheckpointingRequest): Promise<CheckpointingResult> {
  const baselineRssBytes = peakRssBytes()
  const model = openModel(request.modelDir)
  const opening = performance.now()
  const step = await buildTrainStep(model, parseAdapterConfig(request.adapter), {
    kind: 'train',
    maxPositions: request.seq,
    gradientCheckpointing: request.checkpointing,
    lossThroughHead: request.lossThroughHead ?? true,
    ...(request.threads ? { threads: request.threads } : {}),
  })
  const sessionSeconds = (performance.now() - opening) / 1000
  const sessionPeakRssBytes = peakRssBytes()
  const values = step.initialValues(1)
  const feeds = { ...benchBatch(request.shape, request.batch, request.seq), ...Object.fromEntries(step.parameters.map((p) => [p.name, hostTensor('float32', p.shape, values.get(p.name)!)])) }
  const fetches = [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))]
  // What is resident with the session open and the batch built: the step's activations come on top.
  const beforeStepRssBytes = currentRssBytes()
  const stepSeconds: number[] = []
  let loss = NaN
  for (let i = 0; i < request.steps; i++) {
    const started = performance.now()
    const out = await step.session.run(feeds, fetches)
    stepSeconds.push((performance.now() - started) / 1000)
    loss = Number(out[STEP_OUTPUTS.loss].data[0])
  }
  const peakRss = peakRssBytes()
  await step.session.dispose()
  return { baselineRssBytes, sessionSeconds, sessionPeakRssBytes, beforeStepRssBytes, peakRssBytes: peakRss, stepSeconds, loss }
}

process.once('message', (message) => {
  measure(message as CheckpointingRequest).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: Error) => process.send!({ ok: false, message: error.stack ?? error.message }, () => process.exit(1)),
  )
})
