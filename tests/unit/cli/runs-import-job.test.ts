// `mixture-studio runs import-job DIR` and the runsImportJob call behind it: a cluster job made from
// a run `mixture-studio train` trained (tests/helpers/cluster-job-folder.ts), brought into another
// studio's history.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dispatchCall, createServices } from '../../../main/services'
import { openStore } from '../../../main/store'
import { clusterJobFromRun, type ClusterJobFolder } from '../../helpers/cluster-job-folder'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
let job: ClusterJobFolder

beforeAll(async () => {
  tmp = makeTempDir('ms-runs-import-job-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
  const config = join(tmp.dir, 'run.yaml')
  writeFileSync(config, 'name: lora-run\nmodel: model\ndata: { train: train.jsonl, split: 4, max_length: 128 }\nadapter: { method: lora, rank: 2 }\ntrain: { lr: 0.01, batch_size: 4, max_steps: 4, eval_every: 2, save_every: 2 }\ndevice: cpu\n')
  const home = join(tmp.dir, 'cluster-side')
  const { code, stdout } = await runCli(['train', '--config', config, '--json'], { home })
  expect(code).toBe(0)
  const runId = (JSON.parse(stdout.trim().split('\n').at(-1)!) as { run_id: string }).run_id
  const store = openStore(home)
  try {
    job = clusterJobFromRun(store, home, runId, join(tmp.dir, 'job'), { start: { world_size: 2, device: 'cuda', backend: 'nccl', precision: 'bf16', torch: '2.11.0', hostname: 'node17' } })
  } finally {
    store.close()
  }
}, 120_000)
afterAll(() => tmp.remove())

describe('mixture-studio runs import-job', () => {
  const home = () => join(tmp.dir, 'home')

  it('imports the job, says what it brought, and runs show says where it came from', async () => {
    const { code, stdout, stderr } = await runCli(['runs', 'import-job', job.dir], { home: home() })
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const runId = /as run lora-run \(cluster job\) \(([0-9a-f-]+)\): completed, 4 steps\n/.exec(stdout)?.[1]
    expect(runId).toBeDefined()
    expect(stdout).toContain('trained on  cluster job (torchrun): 2 × CUDA, bf16, PyTorch 2.11.0 on node17\n')
    expect(stdout).toMatch(/checkpoints 2, 4\n/)
    const shown = await runCli(['runs', 'show', runId!], { home: home() })
    expect(shown.stdout).toContain(`device      cluster job (torchrun): 2 × CUDA, bf16, PyTorch 2.11.0 on node17\nimported    from a cluster job at ${job.dir} (job ${job.jobId})\n`)
    expect(shown.stdout).toMatch(/steps +4 of 4\n/)
  })

  it('refuses the job a second time, naming the run, with exit status 1', async () => {
    const { code, stderr } = await runCli(['runs', 'import-job', job.dir], { home: home() })
    expect(code).toBe(1)
    expect(stderr).toMatch(new RegExp(`job ${job.jobId} was imported already, as run "lora-run \\(cluster job\\)"`))
  })

  it('--json gives the imported run; --name names it', async () => {
    const { code, stdout } = await runCli(['runs', 'import-job', job.dir, '--json', '--name', 'on the cluster'], { home: join(tmp.dir, 'home-json') })
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ run: { name: 'on the cluster', status: 'completed' }, jobId: job.jobId, step: 4, checkpoints: [2, 4], stopped: null, adapter: expect.stringMatching(/adapter$/) })
  })

  it('--help describes it', async () => {
    const { stdout } = await runCli(['runs', '--help'], { home: home() })
    expect(stdout).toContain('mixture-studio runs import-job DIR [--out OUT] [--name NAME] [--json]')
    expect(stdout).toContain('--out OUT    import-job:')
  })
})

describe('the runsImportJob call', () => {
  it('answers not_found, conflict and invalid_input as the job folder is missing, imported already or wrong; runsShow names the job', async () => {
    const services = createServices({ dataDir: join(tmp.dir, 'home-services'), startsQueuedRuns: false })
    try {
      const missing = await dispatchCall(services, 'runsImportJob', { folder: join(tmp.dir, 'nowhere') })
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } })
      const wrongOut = await dispatchCall(services, 'runsImportJob', { folder: job.dir, out: tmp.dir })
      expect(wrongOut).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('metrics.jsonl does not exist') } })
      const imported = await dispatchCall(services, 'runsImportJob', { folder: job.dir })
      expect(imported.ok).toBe(true)
      const runId = (imported as { data: { run: { id: string } } }).data.run.id
      const again = await dispatchCall(services, 'runsImportJob', { folder: job.dir })
      expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } })
      const shown = await dispatchCall(services, 'runsShow', { runId })
      expect(shown).toMatchObject({ ok: true, data: { importedFrom: { folder: job.dir, jobId: job.jobId }, run: { trainedOn: expect.stringContaining('cluster job (torchrun)') } } })
      writeFileSync(join(tmp.dir, 'not-a-job.json'), '{}')
      const notJob = await dispatchCall(services, 'runsImportJob', { folder: tmp.dir })
      expect(notJob).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('job.json does not exist') } })
    } finally {
      await services.close()
    }
  })
})
