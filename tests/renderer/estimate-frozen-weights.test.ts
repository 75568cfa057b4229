// @vitest-environment happy-dom
// The Cost panel shows the frozen weights: their size, and with model.quantize what they would
// take unquantized beside what they take in its bits.
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
