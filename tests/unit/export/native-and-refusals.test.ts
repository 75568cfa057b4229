// Native exports (a byte copy plus a model card), exports of a run recorded in the store, the
// refusals for mixtures, and atomic writes: a failed export leaves --out as it was.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_MARKER_FILE, ExportError, exportAdapter } from '../../../main/export'
import { openModel, type OpenedModel } from '../../../main/models'
import { openStore } from '../../../main/store'
import { ADAPTER_WEIGHTS_FILE, readAdapterFolder, writeAdapterFolder } from '../../../main/train/adapter-files'
import { runFolder } from '../../../main/train/run-training'
import { checkpointPath, STATE_FILE } from '../../../main/train/checkpoint'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { canLimitFileSize, exportUnderFileSizeLimit } from './export-under-size-limit'
import { folderBytes, writeRandomAdapter } from './support'

let tmp: ReturnType<typeof makeTempDir>
let model: OpenedModel
beforeAll(() => {
  tmp = makeTempDir('ms-export-native-')
  model = openModel(writeTinyModel(join(tmp.dir, 'base'), 'llama').dir)
})
afterAll(() => tmp.remove())

describe('native export', () => {
  it('round-trips the adapter byte for byte and adds a model card', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'mov-adapter'), model, { method: 'mov', experts: 3 })
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'native', out: join(tmp.dir, 'out', 'mov-native') })
    expect(result).toMatchObject({ format: 'native', method: 'mov', runId: null, recorded: false })
    expect(result.files.map((f) => f.path.slice(result.path.length + 1))).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors'])
    expect(readFileSync(join(result.path, ADAPTER_WEIGHTS_FILE))).toEqual(readFileSync(join(folder.dir, ADAPTER_WEIGHTS_FILE)))
    const back = readAdapterFolder(result.path)
    expect(back.adapter).toEqual(folder.adapter)
    for (const [name, t] of folder.tensors) expect(back.tensors.get(name)?.data).toEqual(t.data)

    const card = readFileSync(join(result.path, 'README.md'), 'utf8')
    expect(card).toContain('MoV (a routed mixture of (IA)³ vectors), E = 3')
    expect(card).toContain(`| Trainable parameters | ${folder.config.trainable_parameters.toLocaleString('en-US')} |`)
    const share = ((100 * folder.config.trainable_parameters) / model.info.parameterCount).toPrecision(3)
    expect(card).toContain(`${share}% of the base model's ${model.info.parameterCount.toLocaleString('en-US')}`)
    expect(card).toContain(model.info.dir)
  })

  it('exports a run by id: its final adapter, its configuration and final losses in the card, recorded in the exports table', async () => {
    const dataDir = join(tmp.dir, 'data')
    const store = openStore(dataDir)
    try {
      const config = { model: model.info.dir, adapter: { method: 'ia3' }, train: { lr: 0.25, max_steps: 40 } }
      const run = store.runs.create({ name: 'ia3 run', config, method: 'ia3' })
      writeRandomAdapter(join(runFolder(dataDir, run.id), 'adapter'), model, { method: 'ia3' })
      store.metrics.append(run.id, [{ name: 'loss', step: 40, value: 1.23456 }, { name: 'eval_loss', step: 40, value: 2.5 }])
      const context = { store, dataDir }

      const result = await exportAdapter({ runId: run.id }, { format: 'peft', out: join(tmp.dir, 'out', 'run-peft') }, context)
      expect(result).toMatchObject({ runId: run.id, recorded: true, source: join(runFolder(dataDir, run.id), 'adapter') })
      expect(store.artifacts.listExports(run.id)).toEqual([expect.objectContaining({ format: 'peft', path: result.path })])
      const card = readFileSync(join(result.path, 'README.md'), 'utf8')
      expect(card).toContain('| Final training loss | 1.2346 (step 40) |')
      expect(card).toContain('| Final validation loss | 2.5000 (step 40) |')
      expect(card).toContain('"lr": 0.25')
      expect(card).toContain('PeftModel.from_pretrained')

      // A checkpoint folder of the run is recognised as the run's too.
      const checkpoint = join(runFolder(dataDir, run.id), 'checkpoints', 'step-20')
      writeRandomAdapter(checkpoint, model, { method: 'ia3' })
      const fromCheckpoint = await exportAdapter({ adapterDir: checkpoint }, { format: 'native', out: join(tmp.dir, 'out', 'ckpt') }, context)
      expect(fromCheckpoint).toMatchObject({ runId: run.id, recorded: true })
      expect(store.artifacts.listExports(run.id)).toHaveLength(2)

      await expect(exportAdapter({ runId: 'nope' }, { format: 'native', out: join(tmp.dir, 'out', 'x') }, context)).rejects.toThrow(/there is no run nope/)
      const unfinished = store.runs.create({ name: 'still going', config, method: 'ia3' })
      await expect(exportAdapter({ runId: unfinished.id }, { format: 'native', out: join(tmp.dir, 'out', 'y') }, context)).rejects.toThrow(/has no final adapter/)
    } finally {
      store.close()
    }
  })
})

describe('a stopped run', () => {
  it('exports a cancelled run from its newest checkpoint, as best and as last; one with no checkpoint is refused', async () => {
    const dataDir = join(tmp.dir, 'data-cancelled')
    const store = openStore(dataDir)
    try {
      const config = { model: model.info.dir, adapter: { method: 'ia3' }, train: { max_steps: 40 } }
      const run = store.runs.create({ name: 'cancelled run', config, method: 'ia3' })
      const checkpoint = checkpointPath(join(runFolder(dataDir, run.id), 'checkpoints'), 20)
      writeRandomAdapter(checkpoint, model, { method: 'ia3' })
      writeFileSync(join(checkpoint, STATE_FILE), JSON.stringify({ version: 1, step: 20 }))
      store.artifacts.addCheckpoint(run.id, 20, checkpoint)
      store.runs.finish(run.id, 'cancelled')
      const context = { store, dataDir }
      const last = await exportAdapter({ runId: run.id, checkpoint: { kind: 'last' } }, { format: 'native', out: join(tmp.dir, 'out', 'cancelled-last') }, context)
      expect(last).toMatchObject({ runId: run.id, recorded: true })
      expect(readFileSync(join(last.path, ADAPTER_WEIGHTS_FILE))).toEqual(readFileSync(join(checkpoint, ADAPTER_WEIGHTS_FILE)))
      const best = await exportAdapter({ runId: run.id }, { format: 'native', out: join(tmp.dir, 'out', 'cancelled-best') }, context)
      expect(readFileSync(join(best.path, ADAPTER_WEIGHTS_FILE))).toEqual(readFileSync(join(checkpoint, ADAPTER_WEIGHTS_FILE)))

      const empty = store.runs.create({ name: 'cancelled at once', config, method: 'ia3' })
      store.runs.finish(empty.id, 'cancelled')
      await expect(exportAdapter({ runId: empty.id, checkpoint: { kind: 'last' } }, { format: 'native', out: join(tmp.dir, 'out', 'z') }, context)).rejects.toThrow(/is cancelled and has no final adapter/)
    } finally {
      store.close()
    }
  })
})

describe('mixtures cannot leave as PEFT or merged weights', () => {
  it.each([
    ['mov', 'peft', /PEFT has no MoV method/],
    ['molora', 'peft', /PEFT has no MoLoRA method/],
    ['mov', 'merged', /cannot merge a mov adapter.*changes with every token/],
    ['molora', 'merged', /cannot merge a molora adapter.*changes with every token/],
  ] as const)('%s as %s is refused, naming why, and nothing is written', async (method, format, reason) => {
    const folder = writeRandomAdapter(join(tmp.dir, `${method}-${format}-adapter`), model, { method, experts: 2 })
    const out = join(tmp.dir, 'out', `${method}-${format}`)
    const attempt = exportAdapter({ adapterDir: folder.dir }, { format, out })
    await expect(attempt).rejects.toThrow(ExportError)
    await expect(attempt).rejects.toThrow(reason)
    expect(existsSync(out)).toBe(false)
  })
})

describe('atomic writes', () => {
  it('a previous export is refused without overwrite, and replaced whole with it', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'lora-a'), model, { method: 'lora', rank: 2 })
    const out = join(tmp.dir, 'out', 'busy')
    await exportAdapter({ adapterDir: folder.dir }, { format: 'native', out })
    writeFileSync(join(out, ADAPTER_WEIGHTS_FILE), 'stale')
    await expect(exportAdapter({ adapterDir: folder.dir }, { format: 'native', out })).rejects.toThrow(/already exists and is not empty: it holds a previous native export/)
    expect(readFileSync(join(out, ADAPTER_WEIGHTS_FILE), 'utf8')).toBe('stale')
    await exportAdapter({ adapterDir: folder.dir }, { format: 'native', out, overwrite: true })
    expect(readdirSync(out).sort()).toEqual([EXPORT_MARKER_FILE, 'README.md', 'adapter_config.json', 'adapter_model.safetensors'])
    expect(readFileSync(join(out, ADAPTER_WEIGHTS_FILE))).toEqual(readFileSync(join(folder.dir, ADAPTER_WEIGHTS_FILE)))
  })

  it.skipIf(!canLimitFileSize)('a failure half-way through copying the weights leaves --out byte for byte as it was and no temporary folder behind', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'lora-b'), model, { method: 'lora', rank: 2 })
    // Another adapter, so that a replacement that went through would change the weights.
    const next = writeRandomAdapter(join(tmp.dir, 'lora-b2'), model, { method: 'lora', rank: 2 }, 6)
    const parent = join(tmp.dir, 'out', 'atomic')
    const out = join(parent, 'merged')
    await exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out })
    const previous = folderBytes(out)
    // No file may grow past a third of the weights: the copy of model.safetensors fails part-way.
    const limit = Math.floor(statSync(join(model.info.dir, 'model.safetensors')).size / 3)
    const failed = exportUnderFileSizeLimit(next.dir, 'merged', out, limit)
    expect(failed.status, failed.message).toBe(1)
    expect(failed.message).toContain(`a file of the merged export grew larger than ${out} takes: its disk holds no file this large (FAT32, common on USB drives, holds at most 4 GiB a file)`)
    expect(failed.message).toContain(`The export stopped, its partly written files were removed and ${out} was left as it was`)
    expect(readdirSync(parent)).toEqual(['merged'])
    expect(folderBytes(out)).toEqual(previous)
  })

  it('never writes over the adapter or the base model it reads', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'lora-c'), model, { method: 'lora', rank: 2 })
    await expect(exportAdapter({ adapterDir: folder.dir }, { format: 'native', out: folder.dir, overwrite: true })).rejects.toThrow(/would replace .*which this export reads/)
    await expect(exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out: tmp.dir, overwrite: true })).rejects.toThrow(/would replace/)
    expect(existsSync(join(folder.dir, ADAPTER_WEIGHTS_FILE))).toBe(true)
  })

  it('a merged export needs the base model: a moved one is named, with what to do', async () => {
    const folder = writeRandomAdapter(join(tmp.dir, 'lora-d'), model, { method: 'lora', rank: 2 })
    const moved = { ...folder.config, base_model: { ...folder.config.base_model, path: join(tmp.dir, 'gone') } }
    writeAdapterFolder(folder.dir, moved, [...folder.tensors.values()])
    await expect(exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out: join(tmp.dir, 'out', 'm') })).rejects.toThrow(/gone cannot be opened.*--model DIR/)
    const result = await exportAdapter({ adapterDir: folder.dir }, { format: 'merged', out: join(tmp.dir, 'out', 'm'), baseModel: model.info.dir })
    expect(existsSync(join(result.path, 'model.safetensors'))).toBe(true)
  })
})
