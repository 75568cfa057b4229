// A trained adapter applied at inference (generate, eval, the playground): the adapter is a
// build-time graph rewrite, so each graph gets its own attachment and is fed the tensors by name.
import { resolve } from 'node:path'
import { createAdapter, type AdapterAttachment, type AdapterConfig, type AdapterParameter } from '../../engine/adapters'
import { Graph, type GraphOptions } from '../../engine/ir'
import { buildDecoderOnly, buildT5 } from '../../engine/models'
import { hostTensor, type HostTensor } from '../../runtime'
import { AdapterFolderError, readAdapterFolder, readAdapterFolderHeader, type AdapterFolder, type NativeAdapterConfig } from '../../train/adapter-files'
import { checkAdapterTensors, describeAdapterConfig, describeModelShapes, type ExpectedAdapterTensor } from '../../train/adapter-tensor-checks'
import { defaultDataDir } from '../../store/data-dir'
import { checkpointWeightsOf } from '../checkpoint-weights'
import type { ModelFolderInfo } from '../folder'
import { openRunModel } from '../quantized/open-run-model'
import type { QuantizeScheme } from '../quantized/selection'
import type { OpenedModel } from './open-model'

/** A trained adapter: the config it was built with and its tensors by name. */
export interface InferenceAdapter {
  config: AdapterConfig
  values: ReadonlyMap<string, Float32Array>
  /** The folder it was read from, when it came from one. */
  dir?: string
}

/** Feeds of one graph: the adapter parameters its build declared (none without an adapter). */
export type AdapterFeeds = Record<string, HostTensor>

/**
 * The base an adapter was trained on, as it was trained: with the quantized copy (made once under
 * the data folder) when its adapter_config.json records model.quantize, else the folder as stored.
 * Without an adapter, the folder as stored.
 */
export function openBaseFor(modelPath: string, adapterDir: string | null, dataDir: string = defaultDataDir()): OpenedModel {
  const quantize = adapterDir ? recordedQuantize(readAdapterFolderHeader(adapterDir).config, adapterDir) : 'none'
  return openRunModel({ path: modelPath, quantize }, dataDir)
}

/** base_model.quantize of an adapter_config.json ('none' when absent: written before quantized bases, or trained on a float one). */
export function recordedQuantize(config: NativeAdapterConfig, dir: string): QuantizeScheme {
  const value = (config.base_model as { quantize?: unknown } | undefined)?.quantize
  if (value === undefined) return 'none'
  if (value === 'int4' || value === 'int8') return value
  throw new AdapterFolderError(`${dir}: adapter_config.json's base_model.quantize is ${JSON.stringify(value)}; it is int4 or int8 when the adapter was trained on a quantized base, absent otherwise`)
}

/** Reads a native adapter folder (a run's adapter/ or checkpoints/step-N/) for inference on `model`, checked against it. */
export function loadInferenceAdapter(dir: string, model: OpenedModel): InferenceAdapter {
  return inferenceAdapterOf(readAdapterFolder(dir), model)
}

/** An adapter folder as inference feeds it, once its tensors are checked against `model`. */
export function inferenceAdapterOf(folder: AdapterFolder, model: OpenedModel): InferenceAdapter {
  checkAdapterFitsModel(folder, model.info)
  return { config: folder.adapter, values: new Map([...folder.tensors].map(([name, t]) => [name, t.data])), dir: folder.dir }
}

/**
 * Refuses an adapter folder unless it holds exactly the tensors its config declares on `model`,
 * with their exact shapes: what eval, generate and every export read (adapter-tensor-checks.ts).
 */
export function checkAdapterFitsModel(folder: AdapterFolder, model: ModelFolderInfo): void {
  const where = `the model ${model.dir} (${describeModelShapes(model.spec)})`
  const trainedOn = folder.config.base_model?.path
  const advice = trainedOn && resolve(trainedOn) === resolve(model.dir)
    ? 'It names this model as the one it was trained on, so its files were changed after training: use the adapter/ or checkpoints/step-N/ folder as its run wrote it.'
    : `Use it with the model it was trained on${trainedOn ? ` (its adapter_config.json names ${trainedOn})` : ''}.`
  let expected: ExpectedAdapterTensor[]
  try {
    expected = expectedAdapterTensors({ spec: model.spec, checkpoint: checkpointWeightsOf(model) }, folder.adapter)
  } catch (error) {
    if (!(error instanceof AdapterSitesError)) throw error
    throw new AdapterFolderError(`adapter ${folder.dir} (${describeAdapterConfig(folder.adapter)}) cannot be attached to ${where}: ${error.message}.\n${advice}`)
  }
  checkAdapterTensors(folder, expected, { role: 'adapter', target: where, advice })
}

/** The adapter's sites do not exist in the model (from the attachment's finish()). */
class AdapterSitesError extends Error {}

/**
 * The tensors `config` declares on `model`, names and shapes: what training writes. Built on the
 * model's whole forward graph (both T5 stacks), so no graph a reader builds can ask for more.
 */
export function expectedAdapterTensors(model: Pick<OpenedModel, 'spec' | 'checkpoint'>, config: AdapterConfig): ExpectedAdapterTensor[] {
  const graph = new Graph()
  const hooks = createAdapter(config).attach(graph, { dtype: 'float32' })
  // Parameters do not depend on positions: one row of rotary table is enough.
  const build = { mode: 'forward' as const, outputs: ['logits' as const], maxPositions: 1, hooks }
  const { spec, checkpoint } = model
  if (spec.family === 't5') buildT5(spec, checkpoint, build, graph)
  else buildDecoderOnly(spec, checkpoint, build, graph)
  let parameters: readonly AdapterParameter[]
  try {
    parameters = hooks.finish().parameters
  } catch (error) {
    throw new AdapterSitesError((error as Error).message)
  }
  return parameters.map((p) => ({ name: p.name, shape: p.shape }))
}

/**
 * Builds a graph (with `graphOptions`: a GPU target's) with `make`, attaching `adapter` (when given)
 * at its sites, and returns the graph's adapter feeds. Throws naming the tensor when the adapter
 * does not fit the model.
 */
export function buildWithAdapter<T>(
  adapter: InferenceAdapter | null | undefined,
  make: (graph: Graph, hooks: { hooks?: AdapterAttachment }) => T,
  graphOptions: GraphOptions = {},
): { built: T; feeds: AdapterFeeds } {
  const graph = new Graph(graphOptions)
  if (!adapter) return { built: make(graph, {}), feeds: {} }
  const hooks = createAdapter(adapter.config).attach(graph, { dtype: 'float32' })
  const built = make(graph, { hooks })
  return { built, feeds: adapterFeeds(hooks.finish().parameters, adapter) }
}

/**
 * One graph's feeds. A folder's tensors were checked in full when it was read (inferenceAdapterOf);
 * this guards adapters put together in code, whose values carry no shape.
 */
function adapterFeeds(parameters: readonly { name: string; shape: readonly number[]; size: number }[], adapter: InferenceAdapter): AdapterFeeds {
  const feeds: AdapterFeeds = {}
  const where = adapter.dir ? ` (${adapter.dir})` : ''
  for (const p of parameters) {
    const data = adapter.values.get(p.name)
    if (!data) throw new AdapterFolderError(`the ${adapter.config.method} adapter${where} has no tensor ${p.name} [${p.shape.join(', ')}]; was it trained on this model with these sites?`)
    if (data.length !== p.size) throw new AdapterFolderError(`adapter tensor ${p.name}${where} has ${data.length} values; this model needs [${p.shape.join(', ')}] (${p.size})`)
    feeds[p.name] = hostTensor('float32', p.shape, data)
  }
  return feeds
}
