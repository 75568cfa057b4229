// Multiple-choice rows, {"prompt","choices":[..],"answer"}, as a dataset format: detected, mapped,
// previewed with their choices, trained as prompt -> the right choice, and every kind of bad row
// reported with its file and line (skipped and listed, or stopping the import).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { DatasetRowError, detectFormat, importDataset, normalizeRow, previewDataset, resolveMapping, type ImportRequest } from '../../../main/data'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-data-mc-')))
afterEach(() => temp.remove())

function write(name: string, content: string | Buffer): string {
  const path = join(temp.dir, name)
  writeFileSync(path, content)
  return path
}

const jsonl = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n'
const importing = (path: string, extra: Partial<ImportRequest> = {}) =>
  importDataset({ path, onError: 'skip', template: 'chatml', trainOnPrompt: false, tokenization: null, split: { kind: 'none' }, ...extra })

const GOOD = { prompt: 'Capital of France?', choices: ['Paris', 'Rome'], answer: 0 }

/** One bad row of each kind, after a good first line, with the reason each must give. */
const BAD_ROWS: [unknown, string, string][] = [
  [{ prompt: 'q', answer: 0 }, 'field "choices" is missing (multiple-choice rows are {"prompt","choices":[..],"answer"})', 'choices'],
  [{ prompt: 'q', choices: 'a or b', answer: 0 }, 'field "choices" must be an array of strings', 'choices'],
  [{ prompt: 'q', choices: ['a', 2], answer: 0 }, 'choice 1 (0-based) must be a string, not 2', 'choices'],
  [{ prompt: 'q', choices: ['a'], answer: 0 }, 'field "choices" has 1 choice; a multiple-choice row needs at least 2', 'choices'],
  [{ prompt: 'q', choices: ['a', 'b'] }, 'field "answer" is missing', 'answer'],
  [{ prompt: 'q', choices: ['a', 'b'], answer: 2 }, 'answer 2 is not among the choices: give a 0-based index from 0 to 1', 'answer'],
  [{ prompt: 'q', choices: ['a', 'b'], answer: 'c' }, 'answer "c" is not among the choices ["a","b"]', 'answer'],
]

describe('multiple-choice rows are a dataset format', () => {
  it('is detected from prompt + choices + answer, also under other names and with choices as JSON text in CSV', () => {
    expect(detectFormat([GOOD], 'jsonl')).toMatchObject({
      format: 'multiple-choice',
      mapping: { prompt: 'prompt', choices: 'choices', answer: 'answer' },
      reason: 'columns "prompt", "choices", "answer" fit the multiple-choice format',
    })
    // "answer" alone would fit prompt-completion's completion: the choices column decides.
    expect(detectFormat([{ question: 'q', options: '["a","b"]', label: '1' }], 'csv')).toMatchObject({
      format: 'multiple-choice',
      mapping: { prompt: 'question', choices: 'options', answer: 'label' },
    })
    expect(detectFormat([{ question: 'q', answer: 'a' }], 'csv').format).toBe('prompt-completion')
  })

  it('maps its fields to other columns, and names a missing one', () => {
    expect(resolveMapping('multiple-choice', ['q', 'opts', 'gold_index'], {}, { prompt: 'q', choices: 'opts', answer: 'gold_index' })).toEqual({
      prompt: 'q', choices: 'opts', answer: 'gold_index',
    })
    expect(() => resolveMapping('multiple-choice', ['prompt', 'choices'], {})).toThrow(
      'no column for the multiple-choice field "answer": map it with --map answer=COLUMN (columns in the file: prompt, choices)',
    )
  })

  it('trains as the prompt, then the right choice as the completion; a mapped column is named in what is wrong', () => {
    const mapping = { prompt: 'q', choices: 'opts', answer: 'gold' }
    expect(normalizeRow({ q: 'Two plus two?', opts: ['3', '4'], gold: '4' }, { format: 'multiple-choice', mapping, systemPrompt: 'Answer.' })).toEqual({
      example: { kind: 'chat', messages: [{ role: 'system', content: 'Answer.' }, { role: 'user', content: 'Two plus two?' }, { role: 'assistant', content: '4' }] },
    })
    expect(normalizeRow({ q: 'Two plus two?', opts: 'x' }, { format: 'multiple-choice', mapping })).toEqual({
      reason: 'field "choices" (column "opts") must be an array of strings (in CSV, JSON text such as ["yes","no"])', field: 'choices',
    })
  })

  it('skips each kind of bad row, listing it with its file, line and field', async () => {
    const path = write('mc.jsonl', jsonl([GOOD, ...BAD_ROWS.map(([row]) => row), '', GOOD]))
    const report = await importing(path)
    expect(report.format).toBe('multiple-choice')
    expect(report.counts).toMatchObject({ rows: 9, examples: 2, skipped: 7, blankLines: 1 })
    expect(report.problems.map((p) => [p.file, p.line, p.field])).toEqual(BAD_ROWS.map(([, , field], i) => [path, i + 2, field]))
    BAD_ROWS.forEach(([, reason], i) => expect(report.problems[i].reason).toContain(reason))
  })

  it('stops at the first bad row with its line, for each kind', async () => {
    for (const [index, [row, reason]] of BAD_ROWS.entries()) {
      const path = write(`stop-${index}.jsonl`, jsonl([GOOD, GOOD, row, GOOD]))
      const error = await importing(path, { onError: 'stop' }).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(DatasetRowError)
      expect((error as DatasetRowError).problem).toMatchObject({ file: path, line: 3 })
      expect((error as Error).message).toContain(`${path}:3: ${reason}`)
    }
  })

  it('reads CSV choices as a JSON array and an answer as a 0-based index or the choice text', async () => {
    const path = write('mc.csv', 'prompt,choices,answer\nFirst letter?,"[""a"",""b""]",0\nLast letter?,"[""y"",""z""]",z\nBroken,"[""a"", ",0\nOut of range,"[""a"",""b""]",5\n')
    const report = await importing(path)
    expect(report.counts).toMatchObject({ examples: 2, skipped: 2 })
    expect(report.problems.map((p) => [p.line, p.reason])).toEqual([
      [4, 'field "choices" must be an array of strings (in CSV, JSON text such as ["yes","no"])'],
      [5, 'answer 5 is not among the choices: give a 0-based index from 0 to 1, or the choice\'s text'],
    ])
  })

  it('reads a Parquet list column of choices', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'prompt', data: ['p1', 'p2'], type: 'STRING' },
        { name: 'choices', data: [['a', 'b'], ['c']] },
        { name: 'answer', data: [1, 0], type: 'INT32' },
      ],
    })
    const report = await importing(write('mc.parquet', Buffer.from(buffer)))
    expect(report.format).toBe('multiple-choice')
    expect(report.counts).toMatchObject({ examples: 1, skipped: 1 })
    expect(report.problems[0]).toMatchObject({ line: 2, reason: 'field "choices" has 1 choice; a multiple-choice row needs at least 2' })
  })

  it('previews the prompt with the right choice trained, and lists the choices with the right one', async () => {
    const path = write('mc.jsonl', jsonl([GOOD, { prompt: 'q', choices: ['a', 'b'], answer: 'c' }]))
    const preview = await previewDataset({ path, template: 'chatml', trainOnPrompt: false, tokenizer: null, maxLength: null, limit: 10 })
    expect(preview.format).toBe('multiple-choice')
    const [good, bad] = preview.rows
    expect(good.choices).toEqual({ texts: ['Paris', 'Rome'], answer: 0 })
    const trained = good.rendered!.spans.filter((s) => s.trained).map((s) => good.rendered!.text.slice(s.start, s.end))
    expect(trained).toEqual(['Paris<|im_end|>\n'])
    expect(bad).toMatchObject({ line: 2, problem: 'answer "c" is not among the choices ["a","b"]: give one of them exactly, or its 0-based index' })
    expect(bad.choices).toBeUndefined()
  })
})
