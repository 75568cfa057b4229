// Resume clicked the moment a run says `cancelled`: the training process has written its status
// but may not have exited yet. The call waits for it instead of refusing "still training".
// And a second Resume (or a Delete) while the first one's training process starts is refused
// at once: the run is `starting` from the first call on.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig, type RunEvent } from '../../../main/contract'
import { useTempServices } from '../../helpers/temp-services'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

const temp = useTempServices('ms-resume-race-')

function next(runId: string, match: (e: RunEvent) => boolean): Promise<RunEvent> {
  return new Promise((resolve) => {
    const off = temp.services.subscribe('onRunEvent', (e) => {
      if (e.runId === runId && match(e)) {
        off()
        resolve(e)
      }
    })
  })
}

/** A run that trains until it is stopped. */
function endlessConfig(name: string) {
  const data = writePromptCompletionFile(join(temp.dir, `${name}.jsonl`), 8)
  return RunConfig.parse({
    model: writeTinyModel(join(temp.dir, name), 'llama').dir,
    data: { train: data, max_length: 128 },
    adapter: { method: 'ia3' },
    train: { batch_size: 2, max_steps: 100_000, save_every: 2, eval_every: 100_000 },
    device: 'cpu',
  })
}

describe('runsResume and runsDelete on a run whose process is still exiting', () => {
  it('wait for the process instead of answering conflict', async () => {
    const config = endlessConfig('model')
    const { run } = await temp.services.runsStart({ config })
    await next(run.id, (e) => e.type === 'checkpoint')
    const cancelled = next(run.id, (e) => e.type === 'status' && e.status === 'cancelled')
    const cancelling = temp.services.runsCancel({ runId: run.id })
    await cancelled
    // The status event came before the process exited: Resume now must still work.
    const resumed = await temp.services.runsResume({ runId: run.id })
    expect(resumed.run.id).toBe(run.id)
    await cancelling
    await next(run.id, (e) => e.type === 'step')
    const again = next(run.id, (e) => e.type === 'status' && e.status === 'cancelled')
    void temp.services.runsCancel({ runId: run.id })
    await again
    await expect(temp.services.runsDelete({ runId: run.id })).resolves.toMatchObject({ id: run.id })
    expect(temp.services.store.runs.get(run.id)).toBeUndefined()
  })
})

describe('a second runsResume or a runsDelete while the first Resume\'s training process starts', () => {
  it('is refused at once with a conflict saying the run is starting, while that process still runs', async () => {
    const { services } = temp
    const { run } = await services.runsStart({ config: endlessConfig('second-model') })
    await next(run.id, (e) => e.type === 'step')
    await services.runsCancel({ runId: run.id }) // returns once the job has ended
    expect(services.store.runs.get(run.id)?.status).toBe('cancelled')

    const first = await services.runsResume({ runId: run.id })
    // Claimed in the call itself, before its job process has even started.
    expect(first.run.status).toBe('starting')
    const conflict = { code: 'conflict', message: `Run ${run.name} is starting (its training process is on its way); wait for it or cancel it` }
    await expect(services.runsResume({ runId: run.id })).rejects.toMatchObject(conflict)
    await expect(services.runsDelete({ runId: run.id })).rejects.toMatchObject(conflict)
    // Refused while the first Resume's job was still at work: not after it ended (it never ends by itself).
    expect((await services.jobsList({})).find((job) => job.id === first.jobId)?.state).toBe('running')

    await next(run.id, (e) => e.type === 'step')
    await expect(services.runsResume({ runId: run.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('still training') })
    await services.runsCancel({ runId: run.id })
    expect(services.store.runs.get(run.id)?.status).toBe('cancelled')
  })
})
