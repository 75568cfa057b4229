// The import wizard's parts one by one (renderer/src/stores/dataset-import/);
// dataset-import-store.test.ts checks them together through the wizard.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import type { DatasetPreview, ImportedAlready } from '../../main/contract'
import type { ExamplesSeen, WizardStep } from '../../renderer/src/stores/dataset-import-input'
import { fake, ApiCallError } from './fake-api'
import { badRow, goodRow, preview } from './dataset-fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { SCAN_ROWS, useFileScan } = await import('../../renderer/src/stores/dataset-import/file-scan')
const { useImportedAlready } = await import('../../renderer/src/stores/dataset-import/imported-already')
const { SAMPLE_ROWS, useRenderedSample } = await import('../../renderer/src/stores/dataset-import/rendered-sample')
const { useSplitChoice } = await import('../../renderer/src/stores/dataset-import/split-choice')
const { stepDone, useWizardSteps } = await import('../../renderer/src/stores/dataset-import/wizard-steps')

/** A promise the test answers when it chooses. */
function later<T>() {
  let answer!: (value: T) => void
  const promise = new Promise<T>((resolve) => (answer = resolve))
  return { promise, answer }
}

beforeEach(() => fake.reset())

describe('wizard steps', () => {
  const allDone = { fileRead: true, mappingReady: true, sampleReady: true, importReady: true }

  it('lets each step go on only when what it waits for is there', () => {
    const waitsFor: [WizardStep, keyof typeof allDone][] = [
      ['file', 'fileRead'], ['mapping', 'mappingReady'], ['validation', 'mappingReady'],
      ['preview', 'mappingReady'], ['preview', 'sampleReady'], ['split', 'importReady'],
    ]
    for (const [step, fact] of waitsFor) {
      expect(stepDone(step, allDone)).toBe(true)
      expect(stepDone(step, { ...allDone, [fact]: false }), `${step} without ${fact}`).toBe(false)
    }
    // The file step needs only the file read.
    expect(stepDone('file', { fileRead: true, mappingReady: false, sampleReady: false, importReady: false })).toBe(true)
  })

  it('moves forward past done steps only, back from any but the first, and no further than the split', () => {
    const facts = ref({ ...allDone, mappingReady: false })
    const steps = useWizardSteps(() => facts.value)
    steps.back()
    expect(steps.step.value).toBe('file')
    expect(steps.forward()).toBe(true)
    expect(steps.forward()).toBe(false)
    expect(steps.step.value).toBe('mapping')
    facts.value = allDone
    while (steps.forward());
    expect(steps.step.value).toBe('split')
    steps.back()
    expect(steps.step.value).toBe('preview')
    steps.clear()
    expect(steps.step.value).toBe('file')
  })
})

describe('file scan', () => {
  it('reads the first rows with only the choices the user made, and tells of each new read', async () => {
    const onScanned = vi.fn()
    const file = useFileScan(onScanned)
    file.setPath(' /data/train.jsonl ')
    fake.datasetsPreview.mockResolvedValue(preview())
    expect(await file.inspect()).toBe(true)
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({ path: '/data/train.jsonl', limit: SCAN_ROWS })
    await file.chooseFormat('prompt-completion')
    await file.mapField('completion', 'short')
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({ path: '/data/train.jsonl', format: 'prompt-completion', mapping: { completion: 'short' }, limit: SCAN_ROWS })
    expect(onScanned).toHaveBeenCalledTimes(3)
  })

  it('keeps the answer to the newest read when an older one answers after it', async () => {
    const file = useFileScan(() => {})
    file.setPath('/data/train.jsonl')
    const slow = later<DatasetPreview>()
    fake.datasetsPreview.mockReturnValueOnce(slow.promise)
    const first = file.inspect()
    fake.datasetsPreview.mockResolvedValueOnce(preview({ format: 'chat' }))
    expect(await file.inspect()).toBe(true)
    slow.answer(preview({ format: 'text' }))
    expect(await first).toBe(false)
    expect(file.scan.value?.format).toBe('chat')
    expect(file.scanning.value).toBe(false)
  })

  it('counts the usable examples read, exactly when the file was read to its end', async () => {
    const file = useFileScan(() => {})
    file.setPath('/data/train.jsonl')
    fake.datasetsPreview.mockResolvedValueOnce(preview({ rows: [goodRow(1), badRow(2, 'no "answer" field'), goodRow(3)] }))
    await file.inspect()
    expect(file.problems.value).toHaveLength(1)
    expect(file.examplesSeen.value).toEqual({ seen: 2, exact: true })
    fake.datasetsPreview.mockResolvedValueOnce(preview({ rows: Array.from({ length: SCAN_ROWS }, (_, i) => goodRow(i + 1)) }))
    await file.inspect()
    expect(file.examplesSeen.value).toEqual({ seen: SCAN_ROWS, exact: false })
  })

  it('forgets the choices and rows of the previous file, but not for the same path typed again', async () => {
    const file = useFileScan(() => {})
    file.setPath('/data/train.jsonl')
    fake.datasetsPreview.mockResolvedValue(preview())
    await file.chooseFormat('prompt-completion')
    expect(file.setPath('/data/train.jsonl ')).toBe(false)
    expect(file.format.value).toBe('prompt-completion')
    expect(file.setPath('/data/other.jsonl')).toBe(true)
    expect([file.format.value, file.scan.value, file.mappingOverrides.value]).toEqual([null, null, {}])
  })
})

describe('imported already', () => {
  it('keeps only the answer about the file now chosen, and shows nothing when the check fails', async () => {
    const earlier: ImportedAlready[] = [{ id: 'd1', name: 'train.jsonl', createdAt: '2025-01-01T10:00:00.000Z', samePath: true, sameContent: true }]
    const already = useImportedAlready()
    const slow = later<ImportedAlready[]>()
    fake.datasetsFindImported.mockReturnValueOnce(slow.promise)
    const finding = already.find('/data/old.jsonl')
    already.clear()
    slow.answer(earlier)
    await finding
    expect(already.importedAlready.value).toEqual([])
    fake.datasetsFindImported.mockResolvedValueOnce(earlier)
    await already.find(' /data/train.jsonl ')
    expect(fake.datasetsFindImported).toHaveBeenLastCalledWith({ path: '/data/train.jsonl' })
    expect(already.importedAlready.value).toEqual(earlier)
    fake.datasetsFindImported.mockRejectedValueOnce(new ApiCallError('internal', 'database is locked'))
    await already.find('/data/train.jsonl')
    expect(already.importedAlready.value).toEqual([])
  })
})

describe('rendered sample', () => {
  it('renders with only the choices set: no model, no max length; a model, then its max length', async () => {
    const sample = useRenderedSample(() => ({ path: '/data/train.jsonl' }))
    fake.datasetsPreview.mockResolvedValue(preview())
    sample.maxLength.value = 256
    await sample.load()
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({ path: '/data/train.jsonl', template: 'auto', trainOnPrompt: false, limit: SAMPLE_ROWS })
    sample.modelPath.value = '/models/tiny'
    sample.systemPrompt.value = 'Be brief.'
    await sample.load()
    expect(fake.datasetsPreview).toHaveBeenLastCalledWith({
      path: '/data/train.jsonl', model: '/models/tiny', maxLength: 256, systemPrompt: 'Be brief.', template: 'auto', trainOnPrompt: false, limit: SAMPLE_ROWS,
    })
    expect(sample.ready()).toBe(true)
  })

  it('is not ready while rendering, after a failed render, or once forgotten', async () => {
    const sample = useRenderedSample(() => ({ path: '/data/train.jsonl' }))
    const slow = later<DatasetPreview>()
    fake.datasetsPreview.mockReturnValueOnce(slow.promise)
    const loading = sample.load()
    expect(sample.ready()).toBe(false)
    slow.answer(preview())
    await loading
    expect(sample.ready()).toBe(true)
    fake.datasetsPreview.mockRejectedValueOnce(new ApiCallError('invalid_input', 'template: the model has no chat template'))
    await sample.load()
    expect([sample.ready(), sample.sample.value, sample.sampleError.value?.message]).toEqual([false, null, 'template: the model has no chat template'])
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    await sample.load()
    sample.forget()
    expect(sample.ready()).toBe(false)
  })
})

describe('split choice', () => {
  it('gives the contract split, or why it cannot be used, for the examples read', () => {
    const examples = ref<ExamplesSeen | null>({ seen: 120, exact: true })
    const split = useSplitChoice(examples)
    expect(split.validation.value).toEqual({ kind: 'none' })
    expect(split.splitProblem.value).toBeNull()
    split.split.value = { ...split.split.value, kind: 'count' }
    expect(split.suggestedCount.value).toBe(12)
    expect(split.validation.value).toEqual({ kind: 'count', count: 12, seed: 42 })
    split.split.value = { ...split.split.value, count: 120 }
    expect(split.splitProblem.value).toEqual(expect.any(String))
    expect(split.validation.value).toBe(split.splitProblem.value)
    split.clear()
    expect(split.split.value.kind).toBe('none')
  })
})
