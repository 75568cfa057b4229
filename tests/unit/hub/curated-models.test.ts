// The first-run list is shown before any search: every entry must be a model we can train, small
// enough for a laptop, and say in one line why it is there.
import { describe, expect, it } from 'vitest'
import { CURATED_MODELS } from '../../../main/hub/curated-models'
import { SUPPORTED_MODEL_TYPES } from '../../../main/engine/models/spec'

describe('curated first-run models', () => {
  it('lists a few distinct Hub repos, ORG/NAME', () => {
    expect(CURATED_MODELS.length).toBeGreaterThanOrEqual(4)
    for (const model of CURATED_MODELS) expect(model.repo).toMatch(/^[\w.-]+\/[\w.-]+$/)
    expect(new Set(CURATED_MODELS.map((m) => m.repo)).size).toBe(CURATED_MODELS.length)
  })

  it('holds only architectures we train, and small instruct models that fit a laptop', () => {
    for (const model of CURATED_MODELS) {
      expect(SUPPORTED_MODEL_TYPES).toContain(model.modelType)
      expect(model.approxParameters).toBeGreaterThan(0)
      expect(model.approxParameters).toBeLessThanOrEqual(2e9)
      expect(model.approxBytes).toBeGreaterThan(model.approxParameters) // at least a byte a parameter
      expect(model.approxBytes).toBeLessThan(4e9)
    }
  })

  it('says why each one is there in one line, and how to get a gated one', () => {
    for (const model of CURATED_MODELS) {
      expect(model.why.trim().length).toBeGreaterThan(10)
      expect(model.why).not.toMatch(/\n/)
      expect(model.why.length).toBeLessThanOrEqual(120)
    }
    const gated = CURATED_MODELS.filter((m) => m.gated)
    expect(gated.length).toBeGreaterThan(0)
    for (const model of gated) expect(model.why).toMatch(/token/i)
  })

  it('starts with an ungated model that downloads fastest', () => {
    const first = CURATED_MODELS[0]
    expect(first.gated).toBe(false)
    expect(first.approxBytes).toBe(Math.min(...CURATED_MODELS.filter((m) => !m.gated).map((m) => m.approxBytes)))
  })
})
