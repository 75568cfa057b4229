// A run reads its data with the column mapping of its configuration (data.mapping): what the
// Datasets wizard settled on for a file with its own column names travels with the run.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RunConfig } from '../../../main/contract'
import { prepareRunData } from '../../../main/train/run-data'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'

let tmp: ReturnType<typeof makeTempDir>
let model: string
let file: string

beforeAll(() => {
  tmp = makeTempDir('ms-run-data-')
  model = writeTinyModel(join(tmp.dir, 'model'), 'llama').dir
  file = join(tmp.dir, 'qa.jsonl')
  const rows = Array.from({ length: 6 }, (_, i) => JSON.stringify({ ask: `copy abc ${i}`, reply: ` abc ${i}`, source: 'x' }))
  writeFileSync(file, rows.join('\n') + '\n')
})
afterAll(() => tmp.remove())

const config = (data: Record<string, unknown>) =>
  RunConfig.parse({ model: model, data: { train: file, format: 'prompt_completion', max_length: 256, ...data }, adapter: { method: 'ia3' }, device: 'cpu' })

describe('data.mapping', () => {
  it('maps the file\'s own columns to the format\'s fields', async () => {
    const data = await prepareRunData(config({ mapping: { prompt: 'ask', completion: 'reply' } }), model, join(tmp.dir, 'run-mapped'))
    expect(data.train).toHaveLength(6)
    // the prompt is masked, the answer trained
    const first = data.train[0]
    expect(first.trained[0]).toBe(0)
    expect(first.trained.at(-1)).toBe(1)
  })

  it('without it, the error names data.mapping and the columns the file has', async () => {
    await expect(prepareRunData(config({}), model, join(tmp.dir, 'run-unmapped'))).rejects.toThrow(
      /qa\.jsonl: no column for the prompt-completion field "prompt": set data\.mapping\.prompt to the column that holds it \(columns in the file: ask, reply, source\)/,
    )
  })

  it('defaults to {} and is part of the strict schema', () => {
    expect(config({}).data.mapping).toEqual({})
    expect(() => config({ mapping: { prompt: '' } })).toThrow()
  })
})
