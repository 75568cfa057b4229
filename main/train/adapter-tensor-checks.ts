// Every check of an adapter folder's tensors, in one place, so that the readers (eval, generate,
// the Playground, every export, adapter.init, resume) cannot drift apart. Element counts are not
// enough: a router stored [d, E] where [E, d] is wanted has as many values and would run, silently
// wrong. So a folder must hold exactly the tensors its config declares on the model (names and
// shapes), in float32, every value finite.
import type { AdapterConfig } from '../engine/adapters'
import type { ModelSpec } from '../engine/models/spec'
import type { AdapterFolderHeader } from './adapter-files'

/** A problem with an adapter folder; the message names the folder or file, the tensor and what to do. */
export class AdapterFolderError extends Error {
  override name = 'AdapterFolderError'
}

/** How many names a message lists before it says how many more there are. */
const LISTED = 3

/** A tensor an adapter must have: its name in the native format and its exact shape. */
export interface ExpectedAdapterTensor {
  name: string
  shape: readonly number[]
}

/** What a folder is checked against, in the words the error uses. */
export interface AdapterFit {
  /** How the folder is introduced: "adapter", "adapter.init". */
  role: string
  /** What it must fit, with what decides the shapes: a model and its dimensions, a run's adapter. */
  target: string
  /** The last line of the error: what to do. */
  advice: string
}

/** Refuses a stored tensor that is not F32: training writes float32 and every reader feeds float32 (docs/METHOD.md). */
export function checkStoredDType(weightsPath: string, name: string, dtype: string, shape: readonly number[]): void {
  if (dtype === 'F32') return
  throw new AdapterFolderError(
    `${weightsPath}: tensor "${name}" is ${dtype} ${shapeText(shape)}; adapter tensors are float32 (F32), as training writes them. ` +
      'The file was written or converted outside Mixture Studio: use the adapter/ or checkpoints/step-N/ folder of the run that trained it.',
  )
}

/** Refuses NaN and ±infinity: a damaged adapter would otherwise score a NaN loss or generate noise. */
export function checkFiniteValues(weightsPath: string, name: string, data: Float32Array): void {
  let nan = 0
  let infinite = 0
  let first = -1
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (Number.isFinite(v)) continue
    if (Number.isNaN(v)) nan++
    else infinite++
    if (first < 0) first = i
  }
  if (first < 0) return
  const kinds = [nan && `${nan} NaN`, infinite && `${infinite} infinite`].filter(Boolean).join(' and ')
  throw new AdapterFolderError(
    `${weightsPath}: tensor "${name}" has ${kinds} of its ${data.length} values (the first at element ${first}); an adapter's values must all be finite. ` +
      'The file is damaged: use an earlier checkpoint of the run (its checkpoints/step-N/ folders) or train again.',
  )
}

/**
 * Refuses a folder whose tensors are not exactly `expected`: none missing, none unknown, every
 * shape equal. The error lists the first few of each kind with their counts.
 */
export function checkAdapterTensors(folder: Pick<AdapterFolderHeader, 'dir' | 'adapter' | 'tensors'>, expected: readonly ExpectedAdapterTensor[], fit: AdapterFit): void {
  const wanted = new Set(expected.map((e) => e.name))
  const missing = expected.filter((e) => !folder.tensors.has(e.name))
  const unknown = [...folder.tensors.values()].filter((t) => !wanted.has(t.name))
  const misshapen = expected.flatMap((e) => {
    const found = folder.tensors.get(e.name)
    return found && !sameShape(found.shape, e.shape) ? [`${e.name} has shape ${shapeText(found.shape)}; needs ${shapeText(e.shape)}`] : []
  })
  const problems = [
    ...misshapen.slice(0, LISTED),
    ...(misshapen.length > LISTED ? [`and ${misshapen.length - LISTED} more with the wrong shape`] : []),
    ...(missing.length ? [`${count(missing.length, 'tensor')} missing: ${listNames(missing)}`] : []),
    ...(unknown.length ? [`${count(unknown.length, 'unknown tensor')} (no such parameter here): ${listNames(unknown)}`] : []),
  ]
  if (problems.length === 0) return
  throw new AdapterFolderError(`${fit.role} ${folder.dir} (${describeAdapterConfig(folder.adapter)}) does not fit ${fit.target}:\n  ${problems.join('\n  ')}\n${fit.advice}`)
}

/** The settings that decide an adapter's tensor shapes: "mov, 4 experts, sites k, v, ffn". */
export function describeAdapterConfig(config: AdapterConfig): string {
  const parts: string[] = [config.method]
  if ('experts' in config) parts.push(`${config.experts} experts`)
  if ('rank' in config) parts.push(`rank ${config.rank}`)
  const projections = config.method === 'lora' || config.method === 'molora'
  parts.push(config.sites ? `sites ${config.sites.join(', ')}` : projections ? 'the default projection sites' : 'sites k, v, ffn')
  return parts.join(', ')
}

/** The model dimensions adapter shapes are made of: "llama: hidden 32, d_ff 48, 2 layers, 4 heads and 2 key/value heads of 8". */
export function describeModelShapes(spec: ModelSpec): string {
  const layers = spec.family === 't5' ? `${spec.numLayers} encoder and ${spec.numDecoderLayers} decoder layers` : `${spec.numLayers} layers`
  return `${spec.modelType}: hidden ${spec.hiddenSize}, d_ff ${spec.intermediateSize}, ${layers}, ${spec.numHeads} heads and ${spec.numKvHeads} key/value heads of ${spec.headDim}`
}

export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

function listNames(tensors: readonly { name: string; shape: readonly number[] }[]): string {
  const named = tensors.slice(0, LISTED).map((t) => `${t.name} ${shapeText(t.shape)}`).join(', ')
  return tensors.length > LISTED ? `${named} and ${tensors.length - LISTED} more` : named
}
