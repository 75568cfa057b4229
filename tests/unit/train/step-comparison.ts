// Two builds of the same train step compared output by output: the feeds that exercise every
// gradient, the worst relative difference over the loss and the gradients, and the outputs of a
// step in onnxruntime and in the float64 reference interpreter.
import { expect } from 'vitest'
import { runReference } from '../../../main/engine/reference'
import type { OpenedModel } from '../../../main/models'
import { createGraphSession, hostTensor, type HostTensor } from '../../../main/runtime'
import { makeBatch, type BatchLayout } from '../../../main/train/batches'
import { STEP_OUTPUTS, type StepGraph } from '../../../main/train/step-graph'
import { readWeightBytes, toNdArray } from '../../helpers/ort-vs-reference'
import { patternExamples } from './support'

/** Three examples of different lengths (padding, untrained prompts) and parameters moved off their init (LoRA's B = 0, MoV's vectors = 1), so every gradient is exercised. */
export function offInitFeeds(model: OpenedModel, step: StepGraph, layout?: BatchLayout): Record<string, HostTensor> {
  const examples = patternExamples(model.spec.vocabSize, 3, 10).map((e, i) => ({ ...e, inputIds: e.inputIds.subarray(0, 10 - 2 * i), trained: e.trained.subarray(0, 10 - 2 * i) }))
  const values = step.initialValues(5)
  const parameters = step.parameters.map((p) => {
    const v = values.get(p.name)!
    for (let i = 0; i < v.length; i++) v[i] += 0.1 * Math.sin(1 + 3 * i + v.length)
    return [p.name, hostTensor('float32', p.shape, v)] as const
  })
  return { ...makeBatch(examples, layout ?? { seq2seq: model.spec.family === 't5', decoderStartTokenId: 0, padTokenId: 0 }).feeds, ...Object.fromEntries(parameters) }
}

/** max over the loss and (a train step's) every gradient output of ‖a − b‖ / ‖a‖; a zero output would make the check empty. */
export function worstRelativeDifference(a: Record<string, ArrayLike<number>>, b: Record<string, ArrayLike<number>>, step: StepGraph): number {
  const names = step.kind === 'train' ? [STEP_OUTPUTS.loss, ...step.parameters.map((p) => STEP_OUTPUTS.gradient(p.name))] : [STEP_OUTPUTS.loss]
  return Math.max(...names.map((name) => relativeDifference(a[name], b[name])))
}

/** ‖a − b‖ / ‖a‖; a all zero would make the comparison empty. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length)
  let num = 0
  let den = 0
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2
    den += a[i] ** 2
  }
  expect(den).toBeGreaterThan(0)
  return Math.sqrt(num / den)
}

/** Every output of the step in onnxruntime's CPU provider (`emitTarget: 'gpu'`: a GPU-form graph). */
export async function runOrtOutputs(step: StepGraph, feeds: Record<string, HostTensor>, emitTarget?: 'gpu'): Promise<Record<string, Float32Array>> {
  const session = await createGraphSession(step.graph, { device: 'cpu', threads: 1, ...(emitTarget ? { emitTarget } : {}) })
  try {
    const out = await session.run(feeds)
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]))
  } finally {
    await session.dispose()
  }
}

/** Every output of the step in the float64 reference interpreter. */
export function runReferenceOutputs(step: StepGraph, feeds: Record<string, HostTensor>): Record<string, ArrayLike<number>> {
  const arrays = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, toNdArray(v)]))
  return Object.fromEntries(Object.entries(runReference(step.graph, arrays, { readWeightBytes })).map(([k, v]) => [k, v.data]))
}
