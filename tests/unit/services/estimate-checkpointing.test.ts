// The estimate with train.gradient_checkpointing: the backward keeps each block's input and one
// recomputed block, not every layer's activations and attention; the nominal step adds the
// recomputed forward; a step timed without it is not taken for one with it.
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { estimateRun, NOMINAL_FLOPS, type EstimateFacts } from '../../../main/services/estimate-formula'
import { stepTimingKey } from '../../../main/services/step-timings'
import { ESTIMATE_FACTS } from './estimate-facts'

const facts: EstimateFacts = ESTIMATE_FACTS
const terms = (f: EstimateFacts) => Object.fromEntries(estimateRun(f).memory.terms.map((t) => [t.label, t]))

describe('the estimate with gradient checkpointing', () => {
  const kept = terms({ ...facts, train: { ...facts.train, gradient_checkpointing: false } })
  const recomputed = terms({ ...facts, train: { ...facts.train, gradient_checkpointing: true } })

  it('keeps block inputs and one block of activations and attention', () => {
    expect(recomputed.activations.bytes).toBe(2 * 32 * (4 * 64 + 16 * 64 + 4 * 256) * 4)
    expect(recomputed.activations.formula).toBe('batch 2 × 32 tokens × (4 block inputs × 64 + one block recomputed: 16·64 + 4·256) × 4 B')
    expect(recomputed.attention.bytes).toBe(2 * 4 * 32 * 32 * 4 * 2)
    expect(kept.activations.bytes).toBe(2 * 32 * 4 * (16 * 64 + 4 * 256) * 4)
    expect(kept.attention.bytes).toBe(4 * recomputed.attention.bytes)
    // What does not depend on it stays.
    for (const label of ['base weights', 'adapter + gradients + optimizer', 'loss through the head']) expect(recomputed[label].bytes).toBe(kept[label].bytes)
  })

  it('adds the recomputed forward to a nominal step', () => {
    const { time } = estimateRun({ ...facts, train: { ...facts.train, gradient_checkpointing: true } })
    // M: the million parameters less the untied input embedding (1000 × 64), a lookup; the blocks
    // (M less the head's 1000 × 64) are run forward again.
    const flops = 2 * 3 * 32 * (4 * 936_000 + 12 * 4 * 32 * 64 + 2 * 872_000 + 4 * 4 * 32 * 64)
    expect(time.secondsPerStep).toBeCloseTo(flops / (2 * NOMINAL_FLOPS.cpuCore), 12)
    expect(time.formula).toContain("4·M + 12·L·T·d + the blocks' forward recomputed")
  })
})

describe('a measured step timing', () => {
  it('belongs to the configuration with or without checkpointing, not both', () => {
    const config = (train: Record<string, unknown>) => RunConfig.parse({ model: 'm', data: { train: 't.jsonl' }, adapter: { method: 'ia3' }, train })
    expect(stepTimingKey(config({ gradient_checkpointing: true }))).not.toBe(stepTimingKey(config({})))
    expect(stepTimingKey(config({ gradient_checkpointing: false }))).toBe(stepTimingKey(config({})))
    expect(stepTimingKey(config({ gradient_checkpointing: true, seed: 7 }))).toBe(stepTimingKey(config({ gradient_checkpointing: true })))
  })
})
