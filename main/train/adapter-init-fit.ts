// Whether the adapter folder a run starts from (adapter.init) fits the run, asked before the run
// is created: training would refuse it only once its process had opened the model. The first
// mismatch is named in the order a user thinks of them (the model it was trained on, the method,
// experts and rank, the sites), each with what to choose instead; the tensors' exact names and
// shapes are checked last, as training checks them (adapter-tensor-checks.ts).
import { ADAPTER_METHOD_LABELS } from '../engine/adapters/names'
import type { AdapterConfig } from '../engine/adapters'
import type { ModelSpec } from '../engine/models/spec'
import { readAdapterFolderHeader, type AdapterFolderHeader } from './adapter-files'
import { AdapterFolderError, checkAdapterTensors, describeModelShapes, type ExpectedAdapterTensor } from './adapter-tensor-checks'

/** Why the folder at `dir` cannot start this run, or null when it fits. */
export function adapterInitMismatch(dir: string, run: AdapterConfig, spec: ModelSpec, parameters: readonly ExpectedAdapterTensor[]): string | null {
  let folder: AdapterFolderHeader
  try {
    folder = readAdapterFolderHeader(dir)
  } catch (error) {
    if (error instanceof AdapterFolderError) return error.message
    const code = (error as NodeJS.ErrnoException).code
    return `${dir}: cannot read the adapter folder (${code ?? (error as Error).message})`
  }
  return modelMismatch(folder, spec) ?? methodMismatch(folder.adapter, run) ?? tensorMismatch(folder, run, spec, parameters)
}

function modelMismatch(folder: AdapterFolderHeader, spec: ModelSpec): string | null {
  const base = folder.config.base_model
  // An adapter written before base_model was recorded has only its tensors to go by.
  if (!base || typeof base !== 'object') return null
  const trainedOn = `It was trained on ${base.path ? `${base.path} ` : ''}(${base.model_type}, hidden size ${base.hidden_size}, ${base.num_layers} layers)`
  const advice = 'choose the model it was trained on, or start from the method\'s init.'
  if (base.model_type !== spec.modelType) return `${trainedOn}; this run's model is a ${spec.modelType} model: ${advice}`
  if (base.hidden_size !== spec.hiddenSize) return `${trainedOn}; this run's model has hidden size ${spec.hiddenSize}: ${advice}`
  if (base.num_layers !== spec.numLayers) return `${trainedOn}; this run's model has ${spec.numLayers} layers: ${advice}`
  return null
}

function methodMismatch(init: AdapterConfig, run: AdapterConfig): string | null {
  const label = (method: AdapterConfig['method']) => ADAPTER_METHOD_LABELS[method]
  if (init.method !== run.method) {
    return `It is a ${label(init.method)} adapter; a ${label(run.method)} run cannot start from it: choose ${label(init.method)} as the method, or another adapter.`
  }
  const experts = (config: AdapterConfig) => ('experts' in config ? config.experts : null)
  if (experts(init) !== experts(run)) return `It has ${experts(init)} experts; this run has ${experts(run)}: set Experts to ${experts(init)}, or choose another adapter.`
  const rank = (config: AdapterConfig) => ('rank' in config ? config.rank : null)
  if (rank(init) !== rank(run)) return `It has rank ${rank(init)}; this run has rank ${rank(run)}: set Rank to ${rank(init)}, or choose another adapter.`
  return null
}

function tensorMismatch(folder: AdapterFolderHeader, run: AdapterConfig, spec: ModelSpec, parameters: readonly ExpectedAdapterTensor[]): string | null {
  const sites = (config: AdapterConfig) => (config.sites ? config.sites.join(', ') : 'the method\'s default sites')
  try {
    checkAdapterTensors(folder, parameters, {
      role: 'The adapter to start from',
      target: `this run's adapter on this model (${describeModelShapes(spec)})`,
      advice: 'Start from an adapter trained with the same method, sites, experts and rank on the same model.',
    })
    return null
  } catch (error) {
    if (!(error instanceof AdapterFolderError)) throw error
    // Method, experts and rank agree here: different sites as written are the likely cause, said plainly.
    if (sites(folder.adapter) !== sites(run)) return `It adapts ${sites(folder.adapter)}; this run adapts ${sites(run)}: choose the same sites, or another adapter.`
    return error.message
  }
}
