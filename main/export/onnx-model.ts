// The ONNX export: the base model's forward graph with the trained adapter built in, as one
// self-contained folder any onnxruntime (Python, C#, web) runs without Mixture Studio:
//   model.onnx        the graph (opset 18, standard ops only), built exactly as inference builds
//                     it (models/inference/forward.ts), the adapter tensors baked in as float32
//                     initializers instead of the inputs inference feeds them through
//   model.onnx.data   every weight: the base model's tensors copied from its safetensors files in
//                     their stored dtype (float16/bfloat16 are cast in the graph), then the adapter
//   config.json, tokenizer files ...  copied from the base model, so the folder tokenizes alone
// It is the only way out of the app for MoV and MoLoRA: their routers depend on the input.
import { copyFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { defaultMaxPositions } from '../engine/models/common'
import { emitModel, encodeModel, OnnxDataType, type ModelProtoObject } from '../engine/onnx'
import { checkpointWeightsOf } from '../models/checkpoint-weights'
import type { ModelSpec } from '../models/config'
import type { ModelFolderInfo } from '../models/folder'
import type { AdapterFeeds, InferenceAdapter } from '../models/inference/adapter'
import { forwardGraph } from '../models/inference/forward'
import type { AdapterFolder } from '../train/adapter-files'
import { externalizeInitializers } from './onnx-data-file'

export const ONNX_MODEL_FILE = 'model.onnx'
export const ONNX_DATA_FILE = 'model.onnx.data'

/** Copied from the base model when present: its config and everything a tokenizer library loads. */
const COMPANION_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
  'chat_template.json',
  // Slow-tokenizer files (GPT-2's BPE, SentencePiece models), for libraries that want them.
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'spiece.model',
] as const

const DECODER_ONLY_INPUTS = ['input_ids', 'attention_mask'] as const
const SEQ2SEQ_INPUTS = ['input_ids', 'attention_mask', 'decoder_input_ids', 'decoder_attention_mask'] as const

/** What the model card says about the written model beyond its inputs (decoder-only or T5's, fixed). */
export interface OnnxModelFacts {
  /** Longest sequence the graph handles (rotary table rows, GPT-2's position embeddings); null: no limit (T5). */
  maxPositions: number | null
}

export async function writeOnnxModel(dir: string, folder: AdapterFolder, base: ModelFolderInfo): Promise<OnnxModelFacts> {
  const spec = base.spec
  const maxPositions = positionLimit(spec)
  const adapter: InferenceAdapter = { config: folder.adapter, values: new Map([...folder.tensors].map(([name, t]) => [name, t.data])), dir: folder.dir }
  const model = { info: base, spec, checkpoint: checkpointWeightsOf(base) }
  const { built: graph, feeds } = forwardGraph(model, { adapter, outputs: ['logits'], ...(spec.family === 'llama' && maxPositions !== null ? { maxPositions } : {}) })

  // External data locations are the weights' absolute paths here; the data file replaces them all.
  const proto = emitModel(graph, { target: 'cpu', graphName: `${spec.modelType}_${folder.adapter.method}` })
  bakeAdapterInputs(proto, feeds, spec.family === 't5' ? SEQ2SEQ_INPUTS : DECODER_ONLY_INPUTS)
  proto.metadataProps = [
    { key: 'mixture_studio.adapter_method', value: folder.adapter.method },
    { key: 'mixture_studio.base_model', value: folder.config.base_model.path },
    { key: 'mixture_studio.max_positions', value: maxPositions === null ? 'none' : String(maxPositions) },
  ]
  await externalizeInitializers(proto, join(dir, ONNX_DATA_FILE), ONNX_DATA_FILE)
  await writeFile(join(dir, ONNX_MODEL_FILE), encodeModel(proto))

  for (const name of COMPANION_FILES) {
    if (existsSync(join(base.dir, name))) await copyFile(join(base.dir, name), join(dir, name))
  }
  return { maxPositions }
}

/**
 * Turns the graph inputs inference feeds the adapter through into float32 initializers holding
 * the trained values: the model then takes token inputs only. The data-file step moves them out
 * of model.onnx with the other weights.
 */
function bakeAdapterInputs(proto: ModelProtoObject, feeds: AdapterFeeds, tokenInputs: readonly string[]): void {
  const graph = proto.graph
  graph.initializer ??= []
  for (const [name, tensor] of Object.entries(feeds)) {
    const data = tensor.data as Float32Array
    graph.initializer.push({ name, dims: [...tensor.shape], dataType: OnnxDataType.float32, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) })
  }
  graph.input = graph.input.filter((i) => !(i.name in feeds))
  const left = graph.input.map((i) => i.name)
  if (left.join() !== tokenInputs.join()) throw new Error(`internal: the ONNX export's inputs are ${left.join(', ')}, expected ${tokenInputs.join(', ')}`)
}

/** The sequence length the exported graph handles, as inference builds it. */
function positionLimit(spec: ModelSpec): number | null {
  switch (spec.family) {
    case 'llama':
      return defaultMaxPositions(spec.contextLength)
    case 'gpt2':
      return spec.contextLength
    case 't5':
      return null
  }
}
