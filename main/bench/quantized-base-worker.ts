// Runs in its own process (see quantized-base.ts), so that its peak resident memory is one train
// step's alone: opens the bench model with the requested base (its quantized copy already made by
// the parent), builds the real train step (MoV), runs one step of 1 × `tokens`, reports over IPC.
// The entry point of that process only: importing it elsewhere would answer that process's IPC.
import { parseAdapterConfig } from '../engine/adapters'
import { openRunModel } from '../models/quantized/open-run-model'
import { hostTensor } from '../runtime'
import { buildTrainStep, STEP_OUTPUTS } from '../train/step-graph'
import { peakRssBytes } from './peak-rss'
import type { QuantizedMemoryRequest, QuantizedMemoryResult } from './quantized-base'
import { benchBatch } from './training'

async function measure(request: QuantizedMemoryRequest): Promise<QuantizedMemoryResult> {
  const baselineRssBytes = peakRssBytes()
  const model = openRunModel({ path: request.modelDir, quantize: request.quantize }, request.dataDir)
  const started = performance.now()
  const step = await buildTrainStep(model, parseAdapterConfig({ method: 'mov', experts: 10 }), { kind: 'train', maxPositions: request.tokens, device: 'cpu', gradientCheckpointing: request.gradientCheckpointing, ...(request.threads ? { threads: request.threads } : {}) })
  const sessionSeconds = (performance.now() - started) / 1000
  const sessionPeakRssBytes = peakRssBytes()
  const values = step.initialValues(1)
  const feeds = { ...benchBatch(request.shape, 1, request.tokens), ...Object.fromEntries(step.parameters.map((p) => [p.name, hostTensor('float32', p.shape, values.get(p.name)!)])) }
  const stepStarted = performance.now()
  const out = await step.session.run(feeds, [STEP_OUTPUTS.loss])
  const stepSeconds = (performance.now() - stepStarted) / 1000
  const peak = peakRssBytes()
  await step.session.dispose()
  return { baselineRssBytes, sessionSeconds, sessionPeakRssBytes, stepSeconds, peakRssBytes: peak, loss: (out[STEP_OUTPUTS.loss].data as Float32Array)[0] }
}

process.once('message', (message) => {
  measure(message as QuantizedMemoryRequest).then(
    (result) => process.send!({ ok: true, result }, () => process.exit(0)),
    (error: Error) => process.send!({ ok: false, message: error.stack ?? error.message }, () => process.exit(1)),
  )
})
