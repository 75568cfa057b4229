// @vitest-environment happy-dom
// The import wizard's last step and the Export dialog, mounted on the fake api: while the import or
// export job runs they show its progress events, and stopping it ends the job (jobsCancel) and says
// it stopped, not that it failed.
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { DatasetDetail, JobKind, RunExport } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { detail, preview, summary } from './dataset-fixtures'

import { mountedPerTest } from './mounted-per-test'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: SplitStep } = await import('../../renderer/src/components/datasets/wizard/SplitStep.vue')
const { default: ExportDialog } = await import('../../renderer/src/components/run/ExportDialog.vue')
const { useDatasetImportStore } = await import('../../renderer/src/stores/dataset-import')

const mounted = mountedPerTest()

/** The call's answer is held until the test gives it (`answer`) or the job is cancelled (a conflict, as the services answer). */
function heldCall<T>(kind: JobKind, stoppedMessage: string) {
  let settle!: { resolve: (value: T) => void; reject: (error: unknown) => void }
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }))
  fake.jobsCancel.mockImplementation(async ({ jobId }) => {
    settle.reject(new ApiCallError('conflict', stoppedMessage))
    return { id: jobId, kind, state: 'cancelled', startedAt: '2025-01-01T10:00:00.000Z', endedAt: '2025-01-01T10:00:01.000Z', error: null }
  })
  return { promise, answer: (value: T) => settle.resolve(value) }
}

/** What the page shows of a job's progress (the Export dialog is a modal, rendered into the body). */
function shown(testId: string): HTMLElement | null {
  return document.querySelector(`[data-testid=${testId}]`)
}

async function click(element: Element | null): Promise<void> {
  if (!element) throw new Error('nothing to click')
  ;(element as HTMLElement).click()
  await flushPromises()
}

describe('the import wizard\'s last step', () => {
  async function readyToImport() {
    const wizard = useDatasetImportStore()
    wizard.setPath('/data/train.jsonl')
    fake.datasetsPreview.mockResolvedValueOnce(preview())
    await wizard.next()
    wizard.step = 'split'
    mounted.keep(mount(SplitStep, { attachTo: document.body }))
    return wizard
  }

  it('shows how far the import job read and stops it, saying so rather than reporting an error', async () => {
    const wizard = await readyToImport()
    const call = heldCall<DatasetDetail>('dataset-import', 'The import was stopped before it finished; nothing was imported')
    fake.datasetsImport.mockReturnValueOnce(call.promise)
    const importing = wizard.runImport()
    await flushPromises()
    expect(shown('import-progress')?.textContent).toContain('Starting the import')

    fake.emit({ type: 'started', jobId: 'j1', kind: 'dataset-import', pid: 42 })
    fake.emit({ type: 'progress', jobId: 'j1', done: 40_000, total: 100_000, label: 'Reading train.jsonl: 40,000 rows read' })
    await flushPromises()
    expect(shown('import-progress')?.textContent).toContain('Reading train.jsonl: 40,000 rows read')
    expect(shown('import-progress')?.dataset.done).toBe('40000')
    expect(shown('import-progress')?.querySelector('.n-progress')).not.toBeNull()

    await click(shown('import-progress')!.querySelector('[data-role=stop]'))
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'j1' })
    expect(await importing).toBeNull()
    await flushPromises()
    expect(shown('import-progress')).toBeNull()
    expect(shown('import-stopped')?.textContent).toContain('nothing was imported')
    expect(shown('import-error')).toBeNull()
  })

  it('still shows a failed import\'s reason, and a finished one clears the progress', async () => {
    const wizard = await readyToImport()
    fake.datasetsImport.mockRejectedValueOnce(new ApiCallError('invalid_input', '/data/train.jsonl:3: bad JSON'))
    await wizard.runImport()
    await flushPromises()
    expect(shown('import-error')?.textContent).toContain('/data/train.jsonl:3: bad JSON')
    expect(shown('import-stopped')).toBeNull()

    const call = heldCall<DatasetDetail>('dataset-import', 'stopped')
    fake.datasetsImport.mockReturnValueOnce(call.promise)
    fake.datasetsList.mockResolvedValue([summary('d1')])
    const importing = wizard.runImport()
    await flushPromises()
    expect(shown('import-error')).toBeNull()
    call.answer(detail('d1'))
    expect((await importing)?.id).toBe('d1')
    await flushPromises()
    expect(shown('import-progress')).toBeNull()
  })
})

describe('the Export dialog', () => {
  it('shows the export job\'s step, and its Cancel stops the export instead of closing', async () => {
    const out = '/home/me/Documents/Mixture Studio exports/my run-merged'
    fake.runsSuggestExportFolder.mockResolvedValue({ path: out })
    const wrapper = mounted.keep(mount(ExportDialog, {
      props: { show: false, runId: 'r1', runName: 'my run', method: 'lora' },
      attachTo: document.body,
    }))
    await wrapper.setProps({ show: true })
    await flushPromises()
    const call = heldCall<RunExport>('export', `The export was stopped before it finished; ${out} was left as it was`)
    fake.runsExport.mockReturnValueOnce(call.promise)
    await click(shown('export-run'))
    expect(shown('export-progress')?.textContent).toContain('Starting the export')

    fake.emit({ type: 'started', jobId: 'e1', kind: 'export', pid: 43 })
    fake.emit({ type: 'progress', jobId: 'e1', done: 0, total: 0, label: `Writing the merged export to ${out}` })
    await flushPromises()
    expect(shown('export-progress')?.textContent).toContain(`Writing the merged export to ${out}`)
    // Nothing says how much is written: no bar that would sit at 0 %.
    expect(shown('export-progress')?.querySelector('.n-progress')).toBeNull()

    await click(shown('export-stop'))
    expect(fake.jobsCancel).toHaveBeenCalledWith({ jobId: 'e1' })
    expect(wrapper.emitted('update:show')).toBeUndefined()
    expect(shown('export-progress')).toBeNull()
    expect(shown('export-stopped')?.textContent).toBe(`Export stopped; ${out} was left as it was.`)
    expect(shown('export-error')).toBeNull()
  })
})
