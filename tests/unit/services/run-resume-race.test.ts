// Resume clicked the moment a run says `cancelled`: the training process has written its status
// but may not have exited yet. The call waits for it instead of refusing "still training".
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

describe('runsResume and runsDelete on a run whose process is still exiting', () => {
  it('wait for the process instead of answering conflict', async () => {
    const data = writePromptCompletionFile(join(temp.dir, 'train.jsonl'), 8)
    const config = RunConfig.parse({
      model: writeTinyModel(join(temp.dir, 'model'), 'llama').dir,
      data: { train: data, max_length: 160 },
      adapter: { method: 'ia3' },
      train: { batch_size: 2, max_steps: 100_000, save_every: 2, eval_every: 100_000 },
      device: 'cpu',
    })
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
