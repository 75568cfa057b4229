// Every method trains (the loss falls) on a tiny model through the one-graph train step, and the
// single-expert mixtures are their baselines: MoV with E=1 is (IA)³, MoLoRA with E=1 is LoRA,
// step for step over training (same init, same gradients, same optimizer updates).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openModel, type OpenedModel } from '../../../main/models'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { headAndTail, patternExamples, trainLosses } from './support'

let tmp: ReturnType<typeof makeTempDir>
let llama: OpenedModel
let t5: OpenedModel

beforeAll(() => {
  tmp = makeTempDir('ms-train-methods-')
  llama = openModel(writeTinyModel(join(tmp.dir, 'llama'), 'qwen2').dir)
  t5 = openModel(writeTinyModel(join(tmp.dir, 't5'), 't5').dir)
})
afterAll(() => tmp.remove())

describe('each method learns on a tiny model', () => {
  const cases = [
    { method: 'ia3' as const, lr: 0.1 },
    { method: 'mov' as const, experts: 3, lr: 0.1 },
    { method: 'lora' as const, rank: 4, lr: 0.02 },
    { method: 'molora' as const, experts: 2, rank: 2, lr: 0.02 },
  ]
  for (const { lr, ...adapter } of cases) {
    it(`${adapter.method}: the loss falls`, async () => {
      const losses = await trainLosses(llama, adapter, patternExamples(llama.spec.vocabSize), tmp.dir, { lr, max_steps: 15 })
      expect(losses.every(Number.isFinite)).toBe(true)
      const { head, tail } = headAndTail(losses)
      expect(tail).toBeLessThan(head * 0.9)
    })
  }

  it('T5 (seq2seq: the prompt feeds the encoder, the completion the decoder) with MoV: the loss falls', async () => {
    const losses = await trainLosses(t5, { method: 'mov', experts: 2 }, patternExamples(t5.spec.vocabSize), tmp.dir, { lr: 0.1, max_steps: 15 })
    const { head, tail } = headAndTail(losses)
    expect(tail).toBeLessThan(head * 0.9)
  })
})

describe('single-expert mixtures equal their baselines over training', () => {
  it('MoV with E=1 gives the losses of (IA)³', async () => {
    const examples = patternExamples(llama.spec.vocabSize)
    const ia3 = await trainLosses(llama, { method: 'ia3' }, examples, tmp.dir, { max_steps: 6, lr: 0.1 })
    const mov = await trainLosses(llama, { method: 'mov', experts: 1 }, examples, tmp.dir, { max_steps: 6, lr: 0.1 })
    expect(ia3[5]).toBeLessThan(ia3[0])
    mov.forEach((loss, i) => expect(loss).toBeCloseTo(ia3[i], 5))
  })

  it('MoLoRA with E=1 gives the losses of LoRA (same rank, same A init stream)', async () => {
    const examples = patternExamples(llama.spec.vocabSize)
    const lora = await trainLosses(llama, { method: 'lora', rank: 4 }, examples, tmp.dir, { max_steps: 6, lr: 0.02 })
    const molora = await trainLosses(llama, { method: 'molora', experts: 1, rank: 4 }, examples, tmp.dir, { max_steps: 6, lr: 0.02 })
    expect(lora[5]).toBeLessThan(lora[0])
    molora.forEach((loss, i) => expect(loss).toBeCloseTo(lora[i], 5))
  })
})
