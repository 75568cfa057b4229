import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { evalSetName } from '../../renderer/src/run-config/eval-sets'

vi.mock('../../renderer/src/api', () => import('./fake-api'))
const { useNewRunStore } = await import('../../renderer/src/stores/new-run')

describe('the New run form: evaluation while it trains', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('names a set after its dataset or file, in the characters a metric name allows, never twice alike', () => {
    expect(evalSetName('ARC Easy (test).jsonl', [])).toBe('ARC-Easy-test')
    expect(evalSetName('/data/hellaswag.parquet', ['hellaswag'])).toBe('hellaswag-2')
    expect(evalSetName('hellaswag', ['hellaswag', 'hellaswag-2'])).toBe('hellaswag-3')
    expect(evalSetName('€€€', [])).toBe('set')
  })

  it('carries sets and prompts into the configuration, and shows a problem inside a list once the list was edited', () => {
    const store = useNewRunStore()
    store.setEval({ sets: [{ name: 'arc', data: '/data/arc.jsonl' }, { name: 'arc', data: '' }], prompts: ['What is 2+2?'] })
    expect(store.check.issues['eval.sets.1.data']).toBe('give the multiple-choice file of this eval set')
    expect(store.issueOf('eval.sets.1.data')).toBe('give the multiple-choice file of this eval set')
    expect(store.issueOf('eval.sets')).toMatch(/eval set arc is named twice/)
    store.setEval({ sets: [{ name: 'arc', data: '/data/arc.jsonl' }] })
    store.setField('train', 'early_stopping', { metric: 'accuracy.arc', patience: 2, min_delta: 0 })
    expect(store.issueOf('eval.sets')).toBeNull()
    expect(store.check.issues['train.early_stopping']).toBeUndefined()
    expect(store.draft.eval).toMatchObject({ sets: [{ name: 'arc', data: '/data/arc.jsonl' }], prompts: ['What is 2+2?'] })
  })
})
