// @vitest-environment happy-dom
// A multiple-choice row in the import preview: the rendered prompt and right choice, then every
// choice by its 0-based index with the right one marked; a bad row shows only its problem.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import RenderedExample from '../../renderer/src/components/datasets/RenderedExample.vue'
import type { PreviewRow } from '../../renderer/src/components/datasets/example-segments'

const text = '<|im_start|>user\nCapital of France?<|im_end|>\n<|im_start|>assistant\nParis<|im_end|>\n'
const row: PreviewRow = {
  line: 3,
  raw: { prompt: 'Capital of France?', choices: ['Rome', 'Paris'], answer: 1 },
  problem: null,
  rendered: { text, spans: [{ start: 0, end: text.indexOf('Paris'), trained: false }, { start: text.indexOf('Paris'), end: text.length, trained: true }] },
  tokens: null,
  boundaryMerges: 0,
  choices: { texts: ['Rome', 'Paris'], answer: 1 },
}

describe('the preview of a multiple-choice row', () => {
  it('lists the choices by 0-based index and marks the right one', () => {
    const wrapper = mount(RenderedExample, { props: { row } })
    const list = wrapper.get('[data-testid="choices"]')
    expect(list.attributes('start')).toBe('0')
    const items = list.findAll('li')
    expect(items.map((li) => li.get('.choice-text').text())).toEqual(['Rome', 'Paris'])
    expect(items.map((li) => li.find('.right-mark').exists() && li.get('.right-mark').text())).toEqual([false, '✓ right answer (trained)'])
    expect(items.map((li) => li.classes('right'))).toEqual([false, true])
    expect(wrapper.get('[data-testid="text-view"] .trained').text()).toBe('Paris<|im_end|>')
  })

  it('shows a bad row\'s problem without choices', () => {
    const wrapper = mount(RenderedExample, { props: { row: { ...row, problem: 'answer 5 is not among the choices', rendered: null, choices: null } } })
    expect(wrapper.find('[data-testid="choices"]').exists()).toBe(false)
    expect(wrapper.text()).toContain('answer 5 is not among the choices')
  })
})
