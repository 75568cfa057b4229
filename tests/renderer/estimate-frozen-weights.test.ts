// @vitest-environment happy-dom
// The Cost panel shows the frozen weights: their size, and with model.quantize what they would
// take unquantized beside what they take in its bits; while the configuration is timed, what the
// timing job says it is doing.
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import EstimatePanel from '../../renderer/src/components/new-run/EstimatePanel.vue'
import { estimate } from './training-fixtures'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

function frozenLine(frozenWeights: ReturnType<typeof estimate>['frozenWeights']): string {
  wrapper = mount(EstimatePanel, { props: { estimate: estimate(1000, { frozenWeights }), error: null, estimating: false, valid: true }, attachTo: document.body })
  return wrapper.find('[data-testid="estimate-frozen"]').text().replace(/\s+/g, ' ')
}

describe('Cost panel: frozen weights', () => {
  it('shows their size for a base held as stored', () => {
    expect(frozenLine({ quantize: 'none', bytes: 4 * 2 ** 30, unquantizedBytes: 4 * 2 ** 30 })).toBe('4.0 GiB')
  })

  it('shows the saving of a quantized base', () => {
    expect(frozenLine({ quantize: 'int4', bytes: 0.7 * 2 ** 30, unquantizedBytes: 4 * 2 ** 30 })).toBe('4.0 GiB → 716.8 MiB with int4')
  })
})

describe('Cost panel: timing on this machine', () => {
  const mountTiming = (measureProgress: { done: number; total: number; label: string } | null) => {
    wrapper = mount(EstimatePanel, { props: { estimate: estimate(1000), error: null, estimating: false, valid: true, measuring: true, measureProgress }, attachTo: document.body })
    return { label: wrapper.find('[data-testid="estimate-measure-label"]').text(), bar: wrapper.find('[data-testid="estimate-measure-progress"]') }
  }

  it('says it is timing steps until the job reports', () => {
    const { label, bar } = mountTiming(null)
    expect(label).toBe('Timing a few steps on this machine…')
    expect(bar.exists()).toBe(false)
  })

  it("shows the job's own line, with a bar when it knows how far it is (making a quantized copy)", () => {
    const { label, bar } = mountTiming({ done: 40, total: 155, label: "Making the int4 copy of the model's weights (once): tensor 40 of 155" })
    expect(label).toBe("Making the int4 copy of the model's weights (once): tensor 40 of 155")
    expect(bar.exists()).toBe(true)
  })
})
