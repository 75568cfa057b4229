// Adapter folders with non-trivial values on tiny models, the engine's logits with an adapter
// attached, and a folder's bytes (what a failed export must leave as it was), for the export tests.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAdapter, parseAdapterConfig, type AdapterConfigInput } from '../../../main/engine/adapters'
import { Graph } from '../../../main/engine/ir'
import { buildDecoderOnly, buildT5 } from '../../../main/engine/models'
import { Rng } from '../../../main/engine/random'
import type { OpenedModel } from '../../../main/models'
import { createGraphSession, hostTensor, type HostTensor } from '../../../main/runtime'
import { nativeAdapterConfig, readAdapterFolder, writeAdapterFolder, type AdapterFolder } from '../../../main/train/adapter-files'
import { buildStepGraph } from '../../../main/train/step-graph'

/**
 * Writes a native adapter folder for `model` with random values far from the init (LoRA B is not
 * zero, (IA)³ vectors are not ones), so that an export that drops or misplaces a tensor shows.
 */
export function writeRandomAdapter(dir: string, model: OpenedModel, input: AdapterConfigInput, seed = 5): AdapterFolder {
  const config = parseAdapterConfig(input)
  const step = buildStepGraph(model, config, { kind: 'eval', maxPositions: 32 })
  const rng = new Rng(seed)
  const tensors = step.parameters.map((p) => {
    const vectors = p.name.endsWith('.ia3_l') || p.name.endsWith('.mov_vectors')
    const data = vectors ? Float32Array.from({ length: p.size }, () => 0.5 + rng.uniform()) : rng.normalArray(p.size, 0, 0.1)
    return { name: p.name, shape: p.shape, data }
  })
  const base = { path: model.info.dir, model_type: model.spec.modelType, architecture: model.info.architecture, hidden_size: model.spec.hiddenSize, num_layers: model.spec.numLayers, vocab_size: model.spec.vocabSize }
  writeAdapterFolder(dir, nativeAdapterConfig(config, base, step.trainableParameterCount, 7), tensors)
  return readAdapterFolder(dir)
}

export const DECODER_TOKENS = {
  ids: [
    [5, 9, 14, 3, 22, 7, 30, 11],
    [0, 0, 12, 4, 8, 19, 2, 6],
  ],
  mask: [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1, 1, 1],
  ],
}
export const DECODER_IDS = { ids: [[0, 7, 3, 9, 4], [0, 5, 5, 1, 2]], mask: [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]] }

function int64(rows: number[][]): HostTensor {
  return hostTensor('int64', [rows.length, rows[0].length], BigInt64Array.from(rows.flat(), BigInt))
}

/** The batch's feeds for `model` (T5 also reads decoder tokens). */
export function batchFeeds(model: OpenedModel): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = { input_ids: int64(DECODER_TOKENS.ids), attention_mask: int64(DECODER_TOKENS.mask) }
  if (model.spec.family === 't5') {
    feeds.decoder_input_ids = int64(DECODER_IDS.ids)
    feeds.decoder_attention_mask = int64(DECODER_IDS.mask)
  }
  return feeds
}

/** Logits of the engine's forward pass with `adapter` attached at every site (null: the base model). */
export async function engineLogits(model: OpenedModel, adapter: AdapterFolder | null): Promise<Float32Array> {
  const g = new Graph()
  const attachment = adapter ? createAdapter(adapter.adapter).attach(g) : null
  const build = { mode: 'forward' as const, outputs: ['logits' as const], ...(attachment ? { hooks: attachment } : {}) }
  if (model.spec.family === 't5') buildT5(model.spec, model.checkpoint, build, g)
  else buildDecoderOnly(model.spec, model.checkpoint, build, g)
  const parameters = attachment ? attachment.finish().parameters : []
  const session = await createGraphSession(g, { device: 'cpu', threads: 1 })
  try {
    const feeds = batchFeeds(model)
    for (const p of parameters) feeds[p.name] = hostTensor('float32', p.shape, adapter!.tensors.get(p.name)!.data)
    return (await session.run(feeds, ['logits'])).logits.data as Float32Array
  } finally {
    await session.dispose()
  }
}

export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
  return worst
}

/** Every file of `dir` (not below it) with its bytes, by name: equal results, byte-identical folders. */
export function folderBytes(dir: string): Record<string, Buffer> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]))
}
