// @vitest-environment happy-dom
// The Run page's facts of a run brought home from a cluster job: where it trained, and where it came from.
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NMessageProvider } from 'naive-ui'
import RunFacts from '../../renderer/src/components/run/RunFacts.vue'
import type { RunDetail } from '../../main/contract'
import { movConfig, runDetail } from './training-fixtures'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

function facts(detail: RunDetail): VueWrapper {
  // The folder's copy button speaks through naive's message provider, as in the app.
  const Page = defineComponent(() => () => h(NMessageProvider, null, () => h(RunFacts, { detail, config: movConfig, size: null })))
  wrapper = mount(Page, { attachTo: document.body })
  return wrapper
}

const text = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`).text().replace(/\s+/g, ' ')

describe('Run facts: a run imported from a cluster job', () => {
  it('says where it trained and the job folder it came from', () => {
    const detail = {
      ...runDetail('r1', { status: 'completed', trainedOn: 'cluster job (torchrun): 2 × CUDA, bf16, PyTorch 2.11.0 on node17', segmentStartedAt: null }),
      importedFrom: { folder: '/scratch/jobs/mov-7b', jobId: 'job-1', importedAt: '2026-12-05T12:00:00.000Z' },
    }
    const w = facts(detail)
    expect(text(w, 'run-device')).toBe('cluster job (torchrun): 2 × CUDA, bf16, PyTorch 2.11.0 on node17')
    expect(text(w, 'run-imported')).toBe('Imported from a cluster job at /scratch/jobs/mov-7b')
  })

  it('says nothing of the kind for a run trained here', () => {
    const w = facts(runDetail('r2', { status: 'completed', trainedOn: 'cpu, float32', segmentStartedAt: null }))
    expect(text(w, 'run-device')).toBe('cpu, float32')
    expect(w.find('[data-testid="run-imported"]').exists()).toBe(false)
  })
})
