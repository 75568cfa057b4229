// @vitest-environment happy-dom
// The Run page's facts name the model folder, and a quantized frozen base beside it; the training
// line says when blocks were recomputed (gradient checkpointing).
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NMessageProvider } from 'naive-ui'
import RunFacts from '../../renderer/src/components/run/RunFacts.vue'
import { RunConfig } from '../../main/contract'
import { movConfig, runDetail } from './training-fixtures'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

function factText(config: RunConfig, testId: string): string {
  wrapper?.unmount()
  // The folder's copy button speaks through naive's message provider, as in the app.
  const Page = defineComponent(() => () => h(NMessageProvider, null, () => h(RunFacts, { detail: runDetail('r1'), config, size: null })))
  wrapper = mount(Page, { attachTo: document.body })
  return wrapper.find(`[data-testid="${testId}"]`).text().replace(/\s+/g, ' ')
}

const modelLine = (config: RunConfig) => factText(config, 'run-model')

describe('Run facts: the model', () => {
  it('names the folder, and a 4-bit base when the run quantized it', () => {
    expect(modelLine(movConfig)).toBe('/models/tiny')
    expect(modelLine(RunConfig.parse({ ...movConfig, model: { path: '/models/tiny', quantize: 'int4' } }))).toBe('/models/tiny · 4-bit (int4) frozen base')
  })
})

describe('Run facts: training', () => {
  it('says gradient checkpointing when the run recomputed its blocks', () => {
    expect(factText(movConfig, 'run-training')).not.toContain('checkpointing')
    const recomputed = RunConfig.parse({ ...movConfig, train: { ...movConfig.train, gradient_checkpointing: true } })
    expect(factText(recomputed, 'run-training')).toMatch(/ · seed \d+ · gradient checkpointing$/)
  })
})
