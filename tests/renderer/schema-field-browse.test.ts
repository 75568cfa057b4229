// @vitest-environment happy-dom
// A configuration field that holds a path (Start from adapter) has a Browse… beside it, which asks
// for a folder and puts the one chosen in the field; other text fields have none.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { FieldSpec } from '../../renderer/src/run-config/schema-fields'
import { ApiCallError, fake } from './fake-api'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: SchemaField } = await import('../../renderer/src/components/new-run/SchemaField.vue')
const { usePathBrowserStore } = await import('../../renderer/src/stores/path-browser')

const text: FieldSpec = { key: 'init', kind: 'text', nullable: true, defaultValue: null, options: [], min: null, max: null }

describe('SchemaField of a path', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
    fake.filesList.mockRejectedValue(new ApiCallError('not_found', 'not listed in this test'))
  })

  it('Start from adapter asks for a folder, opening at the field\'s value, and the folder chosen becomes the value', async () => {
    const field = mount(SchemaField, { props: { field: text, path: 'adapter.init', value: '/runs/r1/adapter', issue: null } })
    await field.get('button').trigger('click')
    await flushPromises()
    const browser = usePathBrowserStore()
    expect(browser.request).toMatchObject({ kind: 'folder', title: 'Choose an adapter folder to start from', start: '/runs/r1/adapter' })
    browser.typed = '/runs/r2/checkpoints/step-40'
    browser.choose()
    await flushPromises()
    expect(field.emitted('update:value')).toEqual([['/runs/r2/checkpoints/step-40']])
  })

  it('a text field that holds no path has no Browse…', () => {
    const field = mount(SchemaField, { props: { field: { ...text, key: 'name' }, path: 'train.name', value: '', issue: null } })
    expect(field.find('button').exists()).toBe(false)
  })
})
