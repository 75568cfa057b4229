// @vitest-environment happy-dom
// New run's Training section offers train.gradient_checkpointing as a switch named in words, with
// the memory/time trade-off under it, off unless the user turns it on.
import { afterEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import SchemaField from '../../renderer/src/components/new-run/SchemaField.vue'
import { TRAIN_FIELDS, emptyDraft } from '../../renderer/src/run-config/draft'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

describe('New run: gradient checkpointing', () => {
  it('is a switch in the training fields, off in a new draft, that says what it trades', async () => {
    const field = TRAIN_FIELDS.find((f) => f.key === 'gradient_checkpointing')
    expect(field).toMatchObject({ kind: 'boolean', defaultValue: false })
    expect(emptyDraft().train.gradient_checkpointing).toBe(false)
    setActivePinia(createPinia())
    wrapper = mount(SchemaField, { props: { field: field!, path: 'train.gradient_checkpointing', value: false, issue: null }, attachTo: document.body })
    const toggle = wrapper.find('[aria-label="Recompute activations (gradient checkpointing)"]')
    expect(toggle.exists()).toBe(true)
    expect(wrapper.text()).toContain('Uses far less memory for long sequences')
    await toggle.trigger('click')
    expect(wrapper.emitted('update:value')?.at(-1)).toEqual([true])
  })
})
