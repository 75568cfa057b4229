// @vitest-environment happy-dom
// A number typed into a New run field reaches the form as typed, out of range or not: the schema
// judges it and the field shows why in words. Bounds on the input silently turned a learning
// rate of -0.001 into 0 and batch size, steps and experts of 0 into 1.
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import SchemaField from '../../renderer/src/components/new-run/SchemaField.vue'
import { DATA_FIELDS, TRAIN_FIELDS, checkDraft, emptyDraft } from '../../renderer/src/run-config/draft'
import { methodFields } from '../../renderer/src/run-config/adapter-methods'
import type { FieldSpec } from '../../renderer/src/run-config/schema-fields'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

function fieldOf(fields: FieldSpec[], key: string): FieldSpec {
  const found = fields.find((field) => field.key === key)
  if (!found) throw new Error(`no field ${key}`)
  return found
}

/** Types `text` into the field's input and leaves it, as a user does; what the field emitted. */
async function typeInto(field: FieldSpec, path: string, start: number, text: string): Promise<unknown[]> {
  setActivePinia(createPinia())
  wrapper = mount(SchemaField, { props: { field, path, value: start, issue: null }, attachTo: document.body })
  const input = wrapper.find('input')
  await input.setValue(text)
  await input.trigger('blur')
  return (wrapper.emitted('update:value') ?? []).map(([value]) => value)
}

describe('a New run number field', () => {
  it.each([
    ['train.lr', TRAIN_FIELDS, 'lr', 3e-4, '-0.001', -0.001],
    ['train.batch_size', TRAIN_FIELDS, 'batch_size', 8, '0', 0],
    ['train.max_steps', TRAIN_FIELDS, 'max_steps', 1000, '0', 0],
    ['adapter.experts', methodFields('mov'), 'experts', 10, '0', 0],
    ['data.max_length', DATA_FIELDS, 'max_length', 512, '-5', -5],
  ])('keeps %s as typed when it is out of range', async (path, fields, key, start, typed, kept) => {
    const emitted = await typeInto(fieldOf(fields, key), path, start, typed)
    expect(emitted.at(-1)).toBe(kept)
  })
})

describe('the New run form\'s problems', () => {
  it('say what is wrong with each field in words, without zod\'s text or configuration names', () => {
    const draft = emptyDraft()
    draft.model = '/models/tiny'
    draft.data.train = '/data/train.jsonl'
    draft.train = { ...draft.train, lr: -0.001, batch_size: 0, max_steps: 0, warmup_steps: 1.5 }
    draft.adapter = { ...draft.adapter, experts: 0 }
    draft.data = { ...draft.data, split: 2.5, validation: '/data/val.jsonl' }
    const { issues } = checkDraft(draft)
    expect(issues).toMatchObject({
      'train.lr': 'Learning rate must be more than 0.',
      'train.batch_size': 'Batch size must be at least 1.',
      'train.max_steps': 'Steps must be at least 1.',
      'train.warmup_steps': 'Warm-up steps must be a whole number.',
      'adapter.experts': 'Experts must be at least 1.',
    })
    for (const message of Object.values(issues)) {
      expect(message).not.toMatch(/Too small|Invalid input|expected|[a-z]+\.[a-z_]+/)
    }
  })

  it('say the schema\'s own refusals with the form\'s labels', () => {
    const draft = emptyDraft()
    draft.model = '/models/tiny'
    draft.data = { ...draft.data, train: '/data/train.jsonl', split: 0.1, validation: '/data/val.jsonl' }
    draft.adapter = { ...draft.adapter, top_k: 20 }
    const { issues } = checkDraft(draft)
    expect(issues['adapter.top_k']).toBe('Top-k 20 is more than the 10 experts: keep at most 10, or leave it empty to mix all of them.')
    expect(issues['data.split']).toBe('Give a validation file or a number held out, not both.')
  })
})
