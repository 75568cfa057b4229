// @vitest-environment happy-dom
// The Export dialog's "Cluster job (torchrun)": offered for every method (mixtures too), it takes no
// adapter of the run, and its result says how to bring the job home.
import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import { NMessageProvider } from 'naive-ui'
import { fake } from './fake-api'

import { mountedPerTest } from './mounted-per-test'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { default: ExportDialog } = await import('../../renderer/src/components/run/ExportDialog.vue')

const mounted = mountedPerTest()

function shown(testId: string): HTMLElement | null {
  return document.querySelector(`[data-testid=${testId}]`)
}

/** The format's radio, by its label ("Cluster job (torchrun)"). */
function formatRadio(label: string): HTMLElement {
  const radio = [...document.querySelectorAll('[data-testid=export-format] .n-radio')].find((r) => r.querySelector('b')?.textContent === label)
  if (!radio) throw new Error(`no format ${label}`)
  return radio as HTMLElement
}

async function openFor(method: string): Promise<void> {
  fake.runsSuggestExportFolder.mockImplementation(async ({ format }) => ({ path: `/home/me/Documents/Mixture Studio exports/my run-${format}` }))
  const Dialog = defineComponent({
    props: { show: Boolean },
    setup: (props) => () => h(NMessageProvider, null, () => h(ExportDialog, { show: props.show, runId: 'r1', runName: 'my run', method })),
  })
  const wrapper = mounted.keep(mount(Dialog, { props: { show: false }, attachTo: document.body }))
  await wrapper.setProps({ show: true })
  await flushPromises()
}

describe('the Export dialog: Cluster job (torchrun)', () => {
  it('is offered for a mixture, with what it writes and what it needs', async () => {
    await openFor('mov')
    const radio = formatRadio('Cluster job (torchrun)')
    expect(radio.textContent).toContain("a folder with model.py, train.py and the run's data for torchrun, accelerate or Slurm; needs PyTorch ≥ 1.13.")
    expect(radio.querySelector('input')?.disabled).toBe(false)
  })

  it('exports the run as a job, without an adapter to pick, and says how to bring it home', async () => {
    await openFor('mov')
    expect(shown('export-checkpoint')).not.toBeNull()
    formatRadio('Cluster job (torchrun)').querySelector('input')!.click()
    await flushPromises()
    // The run is trained again from its configuration: no checkpoint of it goes into the job.
    expect(shown('export-checkpoint')).toBeNull()
    const out = '/home/me/Documents/Mixture Studio exports/my run-torchrun'
    expect(fake.runsSuggestExportFolder).toHaveBeenLastCalledWith({ runId: 'r1', format: 'torchrun' })
    fake.runsExport.mockResolvedValueOnce({
      format: 'torchrun', method: 'mov', path: out, source: 'run r1', adapterLabel: null, runId: 'r1', recorded: true,
      files: [{ path: `${out}/job.json`, bytes: 2048 }, { path: `${out}/train.py`, bytes: 30_000 }, { path: `${out}/data/plan.npy`, bytes: 4096 }],
    })
    shown('export-run')!.click()
    await flushPromises()
    expect(fake.runsExport).toHaveBeenCalledWith({ runId: 'r1', format: 'torchrun', out, overwrite: false })
    expect(shown('export-result')?.textContent).toContain('data/plan.npy')
    expect(shown('export-job-next')?.textContent).toContain(`mixture-studio runs import-job ${out}`)
  })

  it('still sends the adapter picked for the other formats, and shows no job hint for them', async () => {
    await openFor('lora')
    fake.runsExport.mockResolvedValueOnce({ format: 'native', method: 'lora', path: '/x', source: '/runs/r1/adapter', adapterLabel: 'final adapter', runId: 'r1', recorded: true, files: [] })
    shown('export-run')!.click()
    await flushPromises()
    expect(fake.runsExport).toHaveBeenCalledWith(expect.objectContaining({ format: 'native', checkpoint: 'best' }))
    expect(shown('export-result')).not.toBeNull()
    expect(shown('export-job-next')).toBeNull()
  })
})
