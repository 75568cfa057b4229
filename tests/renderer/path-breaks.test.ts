// @vitest-environment happy-dom
// Long paths break after a folder separator in narrow columns: the pieces, and the Datasets
// table's path with a <wbr> between them that leaves its text (what a copy gives) the path itself.
import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createRouter, createMemoryHistory } from 'vue-router'
import { pathPieces } from '../../renderer/src/path-breaks'
import DatasetsTable from '../../renderer/src/components/datasets/DatasetsTable.vue'
import { summary } from './dataset-fixtures'

describe('pathPieces', () => {
  it('cuts a POSIX path after each separator, the file name last, losing nothing', () => {
    const path = '/tmp/mixture-studio-e2e-files-Ed5w4m/questions.jsonl'
    expect(pathPieces(path)).toEqual(['/', 'tmp/', 'mixture-studio-e2e-files-Ed5w4m/', 'questions.jsonl'])
    expect(pathPieces(path).join('')).toBe(path)
  })

  it('cuts a Windows path at its backslashes and keeps a trailing separator', () => {
    expect(pathPieces('C:\\Users\\ana\\data\\')).toEqual(['C:\\', 'Users\\', 'ana\\', 'data\\'])
    expect(pathPieces('train.jsonl')).toEqual(['train.jsonl'])
    expect(pathPieces('')).toEqual([])
  })
})

describe('the Datasets table', () => {
  it('shows a dataset\'s path with a break opportunity after each folder, its text unchanged', () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: { render: () => null } }] })
    const path = '/tmp/some-long-folder/questions.jsonl'
    const wrapper = mount(DatasetsTable, { props: { datasets: [summary('questions', { path })], validationOf: {} }, global: { plugins: [router] } })
    const shown = wrapper.find('.dataset-path')
    expect(shown.text()).toBe(path)
    expect(shown.findAll('wbr')).toHaveLength(3)
    expect(shown.html().replace(/\s+/g, '')).toContain('tmp/<wbr>some-long-folder/<wbr>questions.jsonl')
    wrapper.unmount()
  })
})
