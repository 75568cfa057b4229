// @vitest-environment happy-dom
// The Runs page's "Import cluster job…": a torchrun job folder trained elsewhere comes home as a run
// without the CLI (runsImportJob). Mounted whole on the fake api, with a router for "Open the run".
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import { NMessageProvider } from 'naive-ui'
import type { RunJobImported } from '../../main/contract'
import { ApiCallError, fake } from './fake-api'
import { run, settingsState } from './fixtures'
import { mountedPerTest } from './mounted-per-test'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: RunsView } = await import('../../renderer/src/views/RunsView.vue')

const mounted = mountedPerTest()
let router: Router

beforeEach(() => {
  fake.runsList.mockResolvedValue([run('r1', { name: 'earlier run' })])
  fake.runsMetrics.mockImplementation(async ({ runId }) => ({ runId, series: {} }))
  fake.runsQueue.mockResolvedValue({ runs: [], runsAtOncePerDevice: 1 })
  // The walkthrough's demo plan: not needed here (the page has runs, so no walkthrough).
  fake.demoPlan.mockRejectedValue(new ApiCallError('not_found', 'no demo plan in these tests'))
  fake.modelsList.mockResolvedValue([])
  fake.datasetsList.mockResolvedValue([])
  fake.settingsGet.mockResolvedValue(settingsState())
})

async function openRunsPage(): Promise<void> {
  const Page = { template: '<div />' }
  router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/runs', name: 'runs', component: RunsView },
      { path: '/runs/:id', name: 'run', component: Page },
      { path: '/new-run', name: 'new-run', component: Page },
      { path: '/compare', name: 'compare', component: Page },
    ],
  })
  await router.push('/runs')
  // The Browse… buttons ask for naive's message provider; the app has one around every page.
  const Shell = defineComponent({ setup: () => () => h(NMessageProvider, null, () => h(RunsView)) })
  mounted.keep(mount(Shell, { global: { plugins: [router] }, attachTo: document.body }))
  await flushPromises()
}

function shown(testId: string): HTMLElement | null {
  return document.querySelector(`[data-testid=${testId}]`)
}

function field(testId: string): HTMLInputElement {
  const input = document.querySelector<HTMLInputElement>(`[data-testid=${testId}] input`)
  if (!input) throw new Error(`no field ${testId}`)
  return input
}

async function type(testId: string, value: string): Promise<void> {
  const input = field(testId)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function click(testId: string): Promise<void> {
  const button = shown(testId)
  if (!button) throw new Error(`no button ${testId}`)
  button.click()
  await flushPromises()
}

function imported(overrides: Partial<RunJobImported> = {}): RunJobImported {
  return {
    run: run('r2', { name: 'demo (cluster job)' }), folder: '/home/me/.mixture-studio/runs/r2', jobFolder: '/scratch/job', jobId: 'job-1',
    step: 4, checkpoints: [4], adapter: '/home/me/.mixture-studio/runs/r2/adapter', stopped: null, ...overrides,
  }
}

describe('Runs: Import cluster job…', () => {
  it('opens its dialog from the page header, empty, with the default outputs folder as a hint', async () => {
    await openRunsPage()
    expect(shown('import-job-dialog')).toBeNull()
    await click('import-job')
    expect(shown('import-job-dialog')).not.toBeNull()
    expect(field('import-job-folder').value).toBe('')
    expect(field('import-job-out').placeholder).toBe('<job folder>/out')
    await type('import-job-folder', '/scratch/job/')
    expect(field('import-job-out').placeholder).toBe('/scratch/job/out')
    // Nothing is imported before the user asks.
    expect(fake.runsImportJob).not.toHaveBeenCalled()
  })

  it('sends the folder alone when the outputs and name are left empty', async () => {
    await openRunsPage()
    await click('import-job')
    expect((shown('import-job-run') as HTMLButtonElement).disabled).toBe(true)
    await type('import-job-folder', ' /scratch/job ')
    fake.runsImportJob.mockResolvedValueOnce(imported())
    await click('import-job-run')
    expect(fake.runsImportJob).toHaveBeenCalledWith({ folder: '/scratch/job' })
  })

  it('sends the outputs folder and the name when given; the result names the run and opens it; the list shows it', async () => {
    await openRunsPage()
    expect(shown('runs-table')?.textContent).not.toContain('on the cluster')
    await click('import-job')
    await type('import-job-folder', '/scratch/job')
    await type('import-job-out', '/scratch/outputs')
    await type('import-job-name', 'on the cluster')
    fake.runsImportJob.mockResolvedValueOnce(imported({ run: run('r2', { name: 'on the cluster' }) }))
    fake.runsList.mockResolvedValue([run('r2', { name: 'on the cluster' }), run('r1', { name: 'earlier run' })])
    await click('import-job-run')
    expect(fake.runsImportJob).toHaveBeenCalledWith({ folder: '/scratch/job', out: '/scratch/outputs', name: 'on the cluster' })
    expect(shown('import-job-result')?.textContent).toContain('Imported as run on the cluster: completed, 4 steps')
    expect(shown('import-job-error')).toBeNull()
    // The runs list behind the dialog is read again: the new run is in it.
    expect(shown('runs-table')?.textContent).toContain('on the cluster')
    await click('import-job-open')
    expect(router.currentRoute.value.fullPath).toBe('/runs/r2')
  })

  it('says why a job that stopped early came home cancelled', async () => {
    await openRunsPage()
    await click('import-job')
    await type('import-job-folder', '/scratch/job')
    const stopped = 'metrics.jsonl has no end line: the job stopped before its last step, or is still running; imported as cancelled at its newest checkpoint, step 2: Resume trains it on here from there.'
    fake.runsImportJob.mockResolvedValueOnce(imported({ run: run('r2', { name: 'demo (cluster job)', status: 'cancelled' }), step: 2, adapter: null, stopped }))
    await click('import-job-run')
    const result = shown('import-job-result')?.textContent ?? ''
    expect(result).toContain('Imported as run demo (cluster job): ')
    expect(result).toContain(stopped)
    expect(result).not.toContain('completed')
  })

  it('shows a refusal in the dialog, which stays open with what the user typed', async () => {
    await openRunsPage()
    await click('import-job')
    await type('import-job-folder', '/scratch/job')
    await type('import-job-name', 'again')
    const refusal = 'the job in /scratch/job (job_id job-1) was imported before, as run r2 "demo (cluster job)";\nimport it again after deleting that run.'
    fake.runsImportJob.mockRejectedValueOnce(new ApiCallError('conflict', refusal))
    await click('import-job-run')
    const alert = shown('import-job-error')
    expect(alert?.textContent).toContain('was imported before, as run r2')
    expect(alert?.textContent).toContain('import it again after deleting that run.')
    expect(shown('import-job-result')).toBeNull()
    expect(shown('import-job-dialog')).not.toBeNull()
    expect(field('import-job-folder').value).toBe('/scratch/job')
    expect(field('import-job-name').value).toBe('again')
    // Corrected and tried again: the error goes, the fields as typed are sent.
    fake.runsImportJob.mockResolvedValueOnce(imported())
    await click('import-job-run')
    expect(fake.runsImportJob).toHaveBeenLastCalledWith({ folder: '/scratch/job', name: 'again' })
    expect(shown('import-job-error')).toBeNull()
    expect(shown('import-job-result')).not.toBeNull()
  })
})
