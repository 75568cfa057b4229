// The demo in the app (main/services/demo.ts): the demo model and the sample dataset are written
// into the data folder and registered once, reused by every later call (and by the CLI's files),
// and Try the demo starts the demo run as a train job, answering that run again while it trains.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createServices } from '../../../main/services'
import { demoModelDir, ensureDemoModelFiles, ensureSampleDataFile, sampleDataPath } from '../../../main/demo/demo-files'
import { DEMO_STEPS } from '../../../main/contract'
import { currentProcessIdentity } from '../../../main/store'
import { useTempServices } from '../../helpers/temp-services'
import { makeTempDir } from '../../helpers/temp-dir'

const temp = useTempServices('ms-demo-service-')

/** Resolves once the run's status is one of the final ones. */
async function finished(runId: string): Promise<string> {
  for (;;) {
    const status = temp.services.store.runs.get(runId)!.status
    if (status !== 'starting' && status !== 'running') return status
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('the demo service', () => {
  it('plans the pieces in the data folder and makes nothing', async () => {
    const plan = await temp.services.demoPlan({})
    expect(plan.modelPath).toBe(join(temp.dataDir, 'demo', 'model'))
    expect(plan.dataPath).toBe(join(temp.dataDir, 'demo', 'data', 'train.jsonl'))
    expect(plan.config).toMatchObject({ model: { path: plan.modelPath, quantize: 'none' }, data: { train: plan.dataPath }, adapter: { method: 'mov', experts: 4 }, train: { max_steps: DEMO_STEPS } })
    expect(existsSync(plan.modelPath)).toBe(false)
    expect(await temp.services.modelsList({})).toEqual([])
  })

  it('makes and registers the demo model once, then reuses it', async () => {
    const first = await temp.services.demoMakeModel({})
    expect(first.made).toBe(true)
    expect(first.model).toMatchObject({ path: join(temp.dataDir, 'demo', 'model'), architecture: 'LlamaForCausalLM', hasTokenizer: true })
    const again = await temp.services.demoMakeModel({})
    expect(again).toMatchObject({ made: false, model: { id: first.model.id } })
    expect((await temp.services.modelsList({})).map((m) => m.id)).toEqual([first.model.id])
  })

  it('makes and imports the sample dataset once, then reuses it', async () => {
    const first = await temp.services.demoMakeDataset({})
    expect(first.made).toBe(true)
    expect(first.dataset).toMatchObject({ path: join(temp.dataDir, 'demo', 'data', 'train.jsonl'), numExamples: 400, format: 'prompt-completion' })
    const again = await temp.services.demoMakeDataset({})
    expect(again).toMatchObject({ made: false, dataset: { id: first.dataset.id } })
    expect((await temp.services.datasetsList({})).map((d) => d.id)).toEqual([first.dataset.id])
  })

  it('starts the demo run on the registered pieces, answers it again while it trains, and starts a new one after', async () => {
    const [model] = await temp.services.modelsList({})
    const [dataset] = await temp.services.datasetsList({})
    // Two clicks at once: the second must find the first's run, not start another.
    const [first, second] = await Promise.all([temp.services.demoStart({ steps: 4 }), temp.services.demoStart({ steps: 4 })])
    expect(first).toMatchObject({ reused: false, run: { name: 'demo: MoV', method: 'mov', modelId: model.id, datasetId: dataset.id } })
    expect(first.jobId).toBeTruthy()
    expect(second).toMatchObject({ reused: true, jobId: null, run: { id: first.run.id } })
    expect(await temp.services.runsList({ limit: 100 })).toHaveLength(1)

    expect(await finished(first.run.id)).toBe('completed')
    expect((await temp.services.runsShow({ runId: first.run.id })).latest.loss.step).toBe(4)

    const next = await temp.services.demoStart({ steps: 4 })
    expect(next.reused).toBe(false)
    expect(next.run.id).not.toBe(first.run.id)
    expect(await finished(next.run.id)).toBe('completed')
    // The pieces were reused, never duplicated.
    expect(await temp.services.modelsList({})).toHaveLength(1)
    expect(await temp.services.datasetsList({})).toHaveLength(1)
  }, 60_000)

  it('answers a demo run waiting in the queue for its device, and starts none beside it', async () => {
    const { config } = await temp.services.demoPlan({})
    const queued = temp.services.store.runs.create({ name: 'demo: MoV', config, method: 'mov', modelId: null, datasetId: null }, new Date(), currentProcessIdentity(), { queued: true })
    try {
      expect(await temp.services.demoStart({ steps: 4 })).toMatchObject({ reused: true, jobId: null, run: { id: queued.id, status: 'queued' } })
      expect(temp.services.store.runs.list({ status: 'starting', limit: 10 })).toEqual([])
    } finally {
      temp.services.store.runs.cancelQueued(queued.id)
    }
  })
})

describe('the demo files', () => {
  it('registers files an earlier `mixture-studio demo` wrote, as they are', async () => {
    const tmp = makeTempDir('ms-demo-earlier-')
    try {
      const dataDir = join(tmp.dir, 'home')
      ensureDemoModelFiles(demoModelDir(dataDir))
      mkdirSync(join(dataDir, 'demo', 'data'), { recursive: true })
      writeFileSync(sampleDataPath(dataDir), '{"prompt":"copy: ab","completion":"ab"}\n')
      const services = createServices({ dataDir })
      try {
        expect(await services.demoMakeModel({})).toMatchObject({ made: false, model: { path: demoModelDir(dataDir) } })
        // The user's (or an older version's) file is imported as it is, not replaced by the sample.
        expect(await services.demoMakeDataset({})).toMatchObject({ made: false, dataset: { numExamples: 1 } })
      } finally {
        await services.close()
      }
    } finally {
      tmp.remove()
    }
  })

  it('writes a model folder again that a killed write left without its tokenizer', () => {
    const tmp = makeTempDir('ms-demo-partial-')
    try {
      const dir = join(tmp.dir, 'model')
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'config.json'), '{}')
      expect(ensureDemoModelFiles(dir)?.parameters).toBeGreaterThan(0)
      expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).model_type).toBe('llama')
      expect(existsSync(join(dir, 'tokenizer.json'))).toBe(true)
      expect(ensureDemoModelFiles(dir)).toBeNull()
    } finally {
      tmp.remove()
    }
  })

  it('writes the sample dataset only where there is none', () => {
    const tmp = makeTempDir('ms-demo-sample-')
    try {
      const path = join(tmp.dir, 'data', 'train.jsonl')
      expect(ensureSampleDataFile(path)).toBe(true)
      expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(400)
      expect(ensureSampleDataFile(path)).toBe(false)
      expect(existsSync(`${path}.partial-${process.pid}`)).toBe(false)
    } finally {
      tmp.remove()
    }
  })
})
