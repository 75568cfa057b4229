import { describe, expect, it } from 'vitest'
import { deleteWarning } from '../../renderer/src/components/datasets/delete-warning'
import { detail } from './dataset-fixtures'

describe('the warning before a dataset is deleted', () => {
  it('says the source file stays and only the tokenized copies go', () => {
    const text = deleteWarning(detail('a', { name: 'Support', path: '/data/support.jsonl' }), null)
    expect(text).toBe('Delete Support from the list? Its tokenized copies in the data folder are removed; your file /data/support.jsonl stays where it is.')
  })

  it('says that runs which used it keep their own copy', () => {
    expect(deleteWarning(detail('a', { numRuns: 1 }), null)).toContain('1 run used it: it keeps its own tokenized copy and can still be resumed')
    expect(deleteWarning(detail('a', { numRuns: 3 }), null)).toContain('3 runs used it: each keeps its own tokenized copy')
  })

  it('names the validation file whose import goes with it', () => {
    expect(deleteWarning(detail('a', { name: 'Train' }), 'val.jsonl')).toMatch(/^Delete Train and its validation file's import \(val.jsonl\) from the list\?/)
  })
})
