import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { DatasetPreview } from '../../main/contract'
import { fake, ApiCallError } from './fake-api'
import { detail, goodRow, preview, summary } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { useDatasetImportStore, SCAN_ROWS } = await import('../../renderer/src/stores/dataset-import')
const { useDatasetsStore } = await import('../../renderer/src/stores/datasets')

/** A wizard past the file step, on /data/train.jsonl. */
async function inspected(scan: DatasetPreview = preview()) {
  const wizard = useDatasetImportStore()
  wizard.setPath('/data/train.jsonl')
  fake.datasetsPreview.mockResolvedValueOnce(scan)
  await wizard.next()
  return wizard
}

describe('useDatasetImportStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('asks for a path before reading anything', async () => {
    const wizard = useDatasetImportStore()
    await wizard.next()
    expect(wizard.step).toBe('file')
    expect(wizard.scanError?.message).toBe('Give the path of the data file to import.')
    expect(fake.datasetsPreview).not.toHaveBeenCalled()
  })

  it('reads the first rows of the file and moves to the mapping', async () => {
    const wizard = await inspected()
    expect(fake.datasetsPreview).toHaveBeenCalledWith({ path: '/data/train.jsonl', limit: SCAN_ROWS })
    expect(wizard.step).toBe('mapping')
    expect(wizard.scan?.format).toBe('prompt-completion')
  })

  it('stays on the file step with the server\'s reason when the file cannot be read', async () => {
    const wizard = useDatasetImportStore()
    wizard.setPath('/data/missing.jsonl')
    fake.datasetsPreview.mockRejectedValueOnce(new ApiCallError('invalid_input', '/data/missing.jsonl: no such file'))
    await wizard.next()
    expect(wizard.step).toBe('file')
    expect(wizard.scanError?.message).toBe('/data/missing.jsonl: no such file')
  })

  it('re-previews with the user\'s column and keeps the chosen format', async () => {
    const wizard = await inspected()
    await wizard.chooseFormat('prompt-completion')
    fake.datasetsPreview.mockResolvedValueOnce(preview({ mapping: { prompt: 'question', completion: 'short' } }))
    await wizard.mapField('completion', 'short')
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({
      path: '/data/train.jsonl', format: 'prompt-completion', mapping: { completion: 'short' }, limit: SCAN_ROWS,
    })
    expect(wizard.scan?.mapping.completion).toBe('short')
  })

  it('forgets the column choices of the previous format when the format changes', async () => {
    const wizard = await inspected()
    fake.datasetsPreview.mockResolvedValue(preview())
    await wizard.mapField('completion', 'short')
    await wizard.chooseFormat('text')
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({ path: '/data/train.jsonl', format: 'text', limit: SCAN_ROWS })
  })

  it('keeps the answer to the last change when an earlier preview answers late', async () => {
    const wizard = await inspected()
    let answerFirst: (value: DatasetPreview) => void = () => {}
    fake.datasetsPreview.mockReturnValueOnce(new Promise((resolve) => (answerFirst = resolve)))
    const first = wizard.mapField('completion', 'answer')
    fake.datasetsPreview.mockResolvedValueOnce(preview({ mapping: { prompt: 'question', completion: 'short' } }))
    await wizard.mapField('completion', 'short')
    answerFirst(preview({ mapping: { prompt: 'question', completion: 'answer' } }))
    await first
    expect(wizard.scan?.mapping.completion).toBe('short')
    expect(wizard.scanning).toBe(false)
  })

  it('will not leave the mapping while the columns do not fit the format', async () => {
    const wizard = await inspected(preview({ format: 'alpaca', mappingProblem: 'no column for the alpaca field "instruction"' }))
    await wizard.next()
    expect(wizard.step).toBe('mapping')
    expect(wizard.importInput).toBeNull()
  })

  it('lists the bad rows it read as file:line, and knows whether it read the whole file', async () => {
    const wizard = await inspected()
    expect(wizard.problems).toEqual([{ file: '/data/train.jsonl', line: 3, reason: 'bad JSON: unexpected end' }])
    expect(wizard.scannedWholeFile).toBe(true)
    fake.datasetsPreview.mockResolvedValueOnce(preview({ rows: Array.from({ length: SCAN_ROWS }, (_, i) => goodRow(i + 1)) }))
    await wizard.inspect()
    expect(wizard.problems).toEqual([])
    expect(wizard.scannedWholeFile).toBe(false)
  })

  it('renders the sample with the chosen model, template and masking when it reaches the preview', async () => {
    const wizard = await inspected()
    await wizard.next()
    expect(wizard.step).toBe('validation')
    wizard.modelPath = '/models/qwen'
    wizard.template = 'model'
    wizard.maxLength = 256
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    await wizard.next()
    expect(wizard.step).toBe('preview')
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({
      path: '/data/train.jsonl', model: '/models/qwen', maxLength: 256, template: 'model', trainOnPrompt: false, limit: 12,
    })
    expect(wizard.sample).not.toBeNull()
  })

  it('drops the rendered examples when rendering fails, and goes no further until they render again', async () => {
    const wizard = await inspected()
    await wizard.next()
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    await wizard.next()
    expect(wizard.step).toBe('preview')
    expect(wizard.stepDone('preview')).toBe(true)

    wizard.template = 'model'
    fake.datasetsPreview.mockRejectedValueOnce(new ApiCallError('invalid_input', 'The model /models/gpt2 has no chat template: choose ChatML or Alpaca'))
    await wizard.loadSample()
    expect(wizard.sample).toBeNull()
    expect(wizard.sampleError?.message).toContain('has no chat template')
    expect(wizard.stepDone('preview')).toBe(false)
    await wizard.next()
    expect(wizard.step).toBe('preview')

    wizard.template = 'chatml'
    let answer!: (value: DatasetPreview) => void
    fake.datasetsPreview.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)))
    const rendering = wizard.loadSample()
    expect(wizard.stepDone('preview')).toBe(false) // not before the new choice has rendered
    answer(preview())
    await rendering
    expect(wizard.sampleError).toBeNull()
    expect(wizard.stepDone('preview')).toBe(true)
    await wizard.next()
    expect(wizard.step).toBe('split')
  })

  it('imports exactly what was previewed: format, resolved mapping, bad-row choice and split', async () => {
    const wizard = await inspected(preview({ mapping: { prompt: 'question', completion: 'short' } }))
    wizard.name = '  my set '
    wizard.onError = 'skip'
    wizard.split = { kind: 'fraction', fraction: 0.1, count: 100, seed: 7, path: '' }
    expect(wizard.importInput).toEqual({
      path: '/data/train.jsonl',
      name: 'my set',
      format: 'prompt-completion',
      mapping: { prompt: 'question', completion: 'short' },
      template: 'auto',
      trainOnPrompt: false,
      onError: 'skip',
      validation: { kind: 'fraction', fraction: 0.1, seed: 7 },
    })
    fake.datasetsImport.mockResolvedValueOnce(detail('d1'))
    fake.datasetsList.mockResolvedValueOnce([summary('d1')])
    const imported = await wizard.runImport()
    expect(imported?.id).toBe('d1')
    expect(useDatasetsStore().details.d1?.name).toBe('d1.jsonl')
    expect(useDatasetsStore().datasets.map((dataset) => dataset.id)).toEqual(['d1'])
  })

  it('holds out a tenth of a 120-row file by default, not 100 of its 120 examples', async () => {
    const wizard = await inspected(preview({ rows: Array.from({ length: 120 }, (_, i) => goodRow(i + 1)) }))
    wizard.split = { ...wizard.split, kind: 'count' }
    expect(wizard.suggestedCount).toBe(12)
    expect(wizard.importInput?.validation).toEqual({ kind: 'count', count: 12, seed: 42 })
    expect(wizard.splitAdvice).toBeNull()
  })

  it('refuses, before any import, a split that leaves no example of the file to train on, and warns when it leaves few', async () => {
    const wizard = await inspected(preview({ rows: Array.from({ length: 150 }, (_, i) => goodRow(i + 1)) }))
    wizard.split = { ...wizard.split, kind: 'count', count: 500 }
    expect(wizard.splitProblem).toBe('Holding out 500 of the 150 examples leaves none to train on: hold out at most 149.')
    expect(wizard.importInput).toBeNull()
    expect(wizard.stepDone('split')).toBe(false)
    expect(await wizard.runImport()).toBeNull()
    expect(fake.datasetsImport).not.toHaveBeenCalled()
    wizard.split = { ...wizard.split, kind: 'fraction', fraction: 0.997 }
    expect(wizard.splitProblem).toContain('leaves none to train on')
    wizard.split = { ...wizard.split, kind: 'count', count: 100 }
    expect(wizard.splitProblem).toBeNull()
    expect(wizard.splitAdvice).toBe('Only 50 of the 150 examples are left to train on (100 held out): hold out fewer unless that is what you want.')
  })

  it('leaves a count beyond the rows read to the import when the file is longer than what was read', async () => {
    const wizard = await inspected(preview({ rows: Array.from({ length: SCAN_ROWS }, (_, i) => goodRow(i + 1)) }))
    wizard.split = { ...wizard.split, kind: 'count', count: 600 }
    expect(wizard.splitProblem).toBeNull()
    expect(wizard.importInput?.validation).toEqual({ kind: 'count', count: 600, seed: 42 })
  })

  it('refuses an unusable split with a reason, and imports a separate validation file by path', async () => {
    const wizard = await inspected()
    wizard.split = { kind: 'fraction', fraction: 1, count: 100, seed: 42, path: '' }
    expect(wizard.splitProblem).toContain('less than 100 %')
    expect(wizard.importInput).toBeNull()
    wizard.split = { kind: 'count', count: 2.5, seed: 42, fraction: 0.05, path: '' }
    expect(wizard.splitProblem).toContain('whole number')
    wizard.split = { kind: 'file', count: 1, seed: 42, fraction: 0.05, path: ' /data/val.jsonl ' }
    expect(wizard.splitProblem).toBeNull()
    expect(wizard.importInput?.validation).toEqual({ kind: 'file', path: '/data/val.jsonl' })
  })

  it('keeps the wizard as it was and shows the server\'s line-numbered reason when the import stops', async () => {
    const wizard = await inspected()
    wizard.step = 'split'
    const message = '/data/train.jsonl:3: bad JSON (import stopped at the first bad row; ...)'
    fake.datasetsImport.mockRejectedValueOnce(new ApiCallError('invalid_input', message))
    expect(await wizard.runImport()).toBeNull()
    expect(wizard.importError?.message).toBe(message)
    expect(wizard.step).toBe('split')
    expect(wizard.importing).toBe(false)
  })

  it('forgets the choices made for the previous file when the path changes, and everything on reset', async () => {
    const wizard = await inspected()
    fake.datasetsPreview.mockResolvedValue(preview())
    await wizard.mapField('completion', 'short')
    wizard.setPath('/data/other.jsonl')
    expect(wizard.mappingOverrides).toEqual({})
    expect(wizard.scan).toBeNull()
    wizard.onError = 'skip'
    wizard.reset()
    expect(wizard.step).toBe('file')
    expect(wizard.path).toBe('')
    expect(wizard.onError).toBe('stop')
  })
})
