// A trained adapter applied at inference (generate, eval, the playground): the adapter is a
// build-time graph rewrite, so each graph gets its own attachment and is fed the tensors by name.
import { createAdapter, type AdapterAttachment, type AdapterConfig } from '../../engine/adapters'
import { Graph, type GraphOptions } from '../../engine/ir'
import { hostTensor, type HostTensor } from '../../runtime'
import { AdapterFolderError, readAdapterFolder } from '../../train/adapter-files'

/** A trained adapter: the config it was built with and its tensors by name. */
export interface InferenceAdapter {
  config: AdapterConfig
  values: ReadonlyMap<string, Float32Array>
  /** The folder it was read from, when it came from one. */
  dir?: string
}

/** Feeds of one graph: the adapter parameters its build declared (none without an adapter). */
export type AdapterFeeds = Record<string, HostTensor>

/** Reads a native adapter folder (a run's adapter/ or checkpoints/step-N/) for inference. */
export function loadInferenceAdapter(dir: string): InferenceAdapter {
  const folder = readAdapterFolder(dir)
  return { config: folder.adapter, values: new Map([...folder.tensors].map(([name, t]) => [name, t.data])), dir: folder.dir }
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
