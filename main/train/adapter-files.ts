// The native adapter format (docs/DESIGN.md "Native adapter format"): a folder with
// adapter_config.json and adapter_model.safetensors (float32 tensors named after the base
// model's own module paths). The final adapter of a run, every checkpoint and `adapter.init`
// go through here; exporters (PEFT, ONNX, merged) build on readAdapterFolder. What the tensors
// must be is checked in adapter-tensor-checks.ts.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
// The schema and the safetensors file themselves, not ../engine/adapters (every method's graph
// code) or ../runtime (onnxruntime): the store reads run folders through this file when a
// restore registers runs again (store/read-run-folder.ts).
import { parseAdapterConfig, type AdapterConfig } from '../engine/adapters/config'
import { readSafetensorsHeader, readTensorBytes, SafetensorsError, writeSafetensors, type SafetensorsFile } from '../runtime/safetensors'
import { AdapterFolderError, checkAdapterTensors, checkFiniteValues, checkStoredDType, type AdapterFit, type ExpectedAdapterTensor } from './adapter-tensor-checks'

export { AdapterFolderError } from './adapter-tensor-checks'

export const ADAPTER_CONFIG_FILE = 'adapter_config.json'
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors'
export const NATIVE_FORMAT = 'mixture-studio-adapter'
export const NATIVE_VERSION = 1

/** What the adapter was trained on, so a loader can check it is applied to the same model. */
export interface BaseModelInfo {
  /** The model folder as the run named it. */
  path: string
  model_type: string
  architecture: string
  hidden_size: number
  num_layers: number
  vocab_size: number
  /** The run's model.quantize when it trained on a quantized base; absent: the weights as stored. */
  quantize?: 'int8' | 'int4'
}

/** adapter_config.json. The summary fields follow docs/DESIGN.md; `adapter` is the full engine config it was built with. */
export interface NativeAdapterConfig {
  format: typeof NATIVE_FORMAT
  version: number
  method: AdapterConfig['method']
  base_model: BaseModelInfo
  num_experts: number | null
  rank: number | null
  alpha: number | null
  top_k: number | null
  renormalize: boolean | null
  /** Site names as configured (k, v, ffn, q ...); null = the method's defaults. */
  sites: string[] | null
  /** The adapter section it was trained with (engine schema), so the same graph can be rebuilt. */
  adapter: AdapterConfig
  /** Trainable parameters and the step it was written at. */
  trainable_parameters: number
  step: number | null
}

export interface AdapterTensor {
  name: string
  shape: readonly number[]
  data: Float32Array
}

export function nativeAdapterConfig(adapter: AdapterConfig, base: BaseModelInfo, trainableParameters: number, step: number | null): NativeAdapterConfig {
  const field = <K extends string>(key: K): unknown => (key in adapter ? (adapter as Record<string, unknown>)[key] : null)
  return {
    format: NATIVE_FORMAT,
    version: NATIVE_VERSION,
    method: adapter.method,
    base_model: base,
    num_experts: field('experts') as number | null,
    rank: field('rank') as number | null,
    alpha: field('alpha') as number | null,
    top_k: field('top_k') as number | null,
    renormalize: field('renormalize') as boolean | null,
    sites: adapter.sites ? [...adapter.sites] : null,
    adapter: { ...adapter, init: null },
    trainable_parameters: trainableParameters,
    step,
  }
}

/**
 * Writes the folder into a sibling temporary folder and renames it into place, so a reader
 * never sees half an adapter. An existing folder at `dir` is replaced.
 */
export function writeAdapterFolder(dir: string, config: NativeAdapterConfig, tensors: readonly AdapterTensor[]): void {
  const temp = join(dirname(dir), `.tmp-${basename(dir)}-${process.pid}-${Date.now().toString(36)}`)
  mkdirSync(temp, { recursive: true })
  try {
    writeAdapterFiles(temp, config, tensors)
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true })
    renameSync(temp, dir)
  } catch (error) {
    rmSync(temp, { recursive: true, force: true })
    throw error
  }
}

/** Writes the two files into an existing folder (checkpoints write them into their own temp folder). */
export function writeAdapterFiles(dir: string, config: NativeAdapterConfig, tensors: readonly AdapterTensor[]): void {
  writeSafetensors(
    join(dir, ADAPTER_WEIGHTS_FILE),
    tensors.map((t) => ({ name: t.name, dtype: 'float32', shape: t.shape, data: t.data })),
    { format: NATIVE_FORMAT, method: config.method },
  )
  writeFileSync(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`)
}

export interface AdapterFolder {
  dir: string
  config: NativeAdapterConfig
  /** Parsed and defaulted engine config of the adapter. */
  adapter: AdapterConfig
  tensors: Map<string, AdapterTensor>
}

/** An adapter folder's config and its tensors' names and shapes, without their values. */
export interface AdapterFolderHeader {
  dir: string
  config: NativeAdapterConfig
  /** Parsed and defaulted engine config of the adapter. */
  adapter: AdapterConfig
  tensors: Map<string, { name: string; shape: readonly number[] }>
}

/**
 * Reads a native adapter folder; every problem names the file and what to do. Its tensors are
 * float32 and finite when this returns; whether they fit a model is checkAdapterTensors' question.
 */
export function readAdapterFolder(dir: string): AdapterFolder {
  const { file, weightsPath, ...header } = readHeader(dir)
  const tensors = new Map<string, AdapterTensor>()
  for (const entry of file.tensors.values()) {
    const data = new Float32Array(entry.length / 4)
    new Uint8Array(data.buffer).set(readWeightsBytes(file, entry.name))
    checkFiniteValues(weightsPath, entry.name, data)
    tensors.set(entry.name, { name: entry.name, shape: entry.shape, data })
  }
  return { ...header, tensors }
}

/**
 * The config and the tensors' names, dtypes and shapes of a native adapter folder, no values read:
 * what the checks before a run starts need (docs/DESIGN.md "Checks before Start").
 */
export function readAdapterFolderHeader(dir: string): AdapterFolderHeader {
  const { file: _file, weightsPath: _weightsPath, ...header } = readHeader(dir)
  return header
}

function readHeader(dir: string): AdapterFolderHeader & { file: SafetensorsFile; weightsPath: string } {
  const configPath = join(dir, ADAPTER_CONFIG_FILE)
  const weightsPath = join(dir, ADAPTER_WEIGHTS_FILE)
  if (!existsSync(configPath) || !existsSync(weightsPath)) {
    throw new AdapterFolderError(`${dir}: not an adapter folder (it needs ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE}, as a run's adapter/ or checkpoints/step-N/ folder has)`)
  }
  let raw: Record<string, unknown>
  try {
    raw = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new AdapterFolderError(`${configPath}: not valid JSON (${(error as Error).message})`)
  }
  if (raw.format !== NATIVE_FORMAT) {
    const hint = 'peft_type' in raw ? ' It looks like a PEFT adapter; import it with the PEFT format instead.' : ''
    throw new AdapterFolderError(`${configPath}: "format" is ${JSON.stringify(raw.format)}, expected "${NATIVE_FORMAT}".${hint}`)
  }
  if (typeof raw.version !== 'number' || raw.version > NATIVE_VERSION) {
    throw new AdapterFolderError(`${configPath}: format version ${String(raw.version)} is newer than this Mixture Studio reads (${NATIVE_VERSION}); update the app`)
  }
  const adapter = parseAdapterConfig(raw.adapter ?? { method: raw.method }, `${configPath}: adapter`)
  const file = readWeightsHeader(weightsPath)
  const tensors = new Map<string, { name: string; shape: readonly number[] }>()
  for (const entry of file.tensors.values()) {
    checkStoredDType(weightsPath, entry.name, entry.dtype, entry.shape)
    tensors.set(entry.name, { name: entry.name, shape: entry.shape })
  }
  return { dir, config: raw as unknown as NativeAdapterConfig, adapter, tensors, file, weightsPath }
}

// A damaged weights file (a copy cut short, a full disk) is a problem with the user's folder, not
// a crash: the safetensors reader's message already names the file and what is missing.
function readWeightsHeader(path: string): SafetensorsFile {
  try {
    return readSafetensorsHeader(path)
  } catch (error) {
    throw asFolderError(error)
  }
}

function readWeightsBytes(file: SafetensorsFile, name: string): Uint8Array {
  try {
    return readTensorBytes(file, name)
  } catch (error) {
    throw asFolderError(error)
  }
}

function asFolderError(error: unknown): unknown {
  if (!(error instanceof SafetensorsError)) return error
  return new AdapterFolderError(`${error.message}. Copy the adapter folder again, or use another checkpoint of the run.`)
}

/**
 * Initial values for `parameters` (a run's train step) from an adapter folder (adapter.init, a
 * checkpoint): it must hold exactly these tensors with these shapes (adapter-tensor-checks.ts).
 */
export function valuesFromAdapter(folder: AdapterFolder, parameters: readonly ExpectedAdapterTensor[], fit: AdapterFit): Map<string, Float32Array> {
  checkAdapterTensors(folder, parameters, fit)
  return new Map(parameters.map((p) => [p.name, folder.tensors.get(p.name)!.data.slice()]))
}
