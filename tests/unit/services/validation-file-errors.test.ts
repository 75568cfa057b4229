// A separate validation file is read with the training file's format and mapping: when it does
// not fit them, the error must say it is the validation file, not leave the user to search the
// training file for a column it has.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dispatchCall } from '../../../main/services'
import { useTempServices } from '../../helpers/temp-services'

const temp = useTempServices('ms-validation-file-')

function jsonl(name: string, rows: object[]): string {
  const path = join(temp.dir, name)
  writeFileSync(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`)
  return path
}

describe('a validation file that does not fit the training file', () => {
  it('names the validation file when its columns are not the ones the training file mapped', async () => {
    const train = jsonl('train.jsonl', [{ question: 'Two plus two?', answer: 'Four.' }, { question: 'Three plus one?', answer: 'Four.' }])
    const validation = jsonl('val.jsonl', [{ q: 'One plus one?', a: 'Two.' }])
    const result = await dispatchCall(temp.services, 'datasetsImport', {
      path: train, format: 'prompt-completion', mapping: { prompt: 'question', completion: 'answer' }, validation: { kind: 'file', path: validation },
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('invalid_input')
    expect(result.error.message).toMatch(new RegExp(`^The validation file ${validation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
    expect(result.error.message).toContain('"question"')
    expect(await dispatchCall(temp.services, 'datasetsList', {})).toEqual({ ok: true, data: [] })
  })

  it('leaves the training file\'s own errors as they were', async () => {
    const train = jsonl('bad-train.jsonl', [{ q: 'Two plus two?', a: 'Four.' }])
    const validation = jsonl('good-val.jsonl', [{ question: 'One plus one?', answer: 'Two.' }])
    const result = await dispatchCall(temp.services, 'datasetsImport', {
      path: train, format: 'prompt-completion', mapping: { prompt: 'question', completion: 'answer' }, validation: { kind: 'file', path: validation },
    })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message).not.toContain('validation file')
  })
})
