// The ONNX export: the base model with the trained adapter built in, as one self-contained folder
// any onnxruntime (Python, C#, web) runs without Mixture Studio:
//   model.onnx         the forward graph (opset 18, standard ops only), built exactly as inference
//                      builds it (models/inference/forward.ts), the adapter tensors baked in as
//                      float32 initializers instead of the inputs inference feeds them through
//   decoder_step.onnx  the KV-cache step graph the app generates with, the adapter baked in the same
//                      way (onnx-step-graph.ts): O(n) generation
//   encoder.onnx       T5: the encoder run once per source, whose cross-attention keys/values
//                      the step graph takes (onnx-t5-graphs.ts)
//   model.onnx.data    every weight, once for all graphs: the base model's tensors copied from its
//                      safetensors files in their stored dtype (float16/bfloat16 are cast in the
//                      graph), then the adapter
//   config.json, tokenizer files ...  copied from the base model, so the folder tokenizes alone
// It is the only way out of the app for MoV and MoLoRA: their routers depend on the input.
import { copyFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { defaultMaxPositions } from '../engine/models/common'
import { encodeModel } from '../engine/onnx'
import { checkpointWeightsOf } from '../models/checkpoint-weights'
import type { ModelSpec } from '../engine/models/spec'
import type { ModelFolderInfo } from '../models/folder'
import { inferenceAdapterOf, recordedQuantize } from '../models/inference/adapter'
import { withQuantizedBase } from '../models/quantized/open-run-model'
import { ensureQuantizedCopy } from '../models/quantized/quantize-folder'
import type { QuantizeScheme } from '../models/quantized/selection'
import { forwardGraph } from '../models/inference/forward'
import type { AdapterFolder } from '../train/adapter-files'
import { exportGraph } from './exported-graph'
import { checkSameTensors, externalizeInitializers } from './onnx-data-file'
import { decoderStepGraph, type DecoderStepFacts } from './onnx-step-graph'
import { t5GenerationGraphs } from './onnx-t5-graphs'

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
  /** decoder_step.onnx's cache shape and extra inputs (T5: encoder.onnx's). */
  step: DecoderStepFacts
  /** The quantized base the adapter trained on, built into the graphs; 'none': the weights as stored. */
  quantize: QuantizeScheme
}

/**
 * `dataDir` holds the quantized copy of the base when the adapter was trained on one
 * (adapter_config.json's base_model.quantize): the exported graphs then read the same int4/int8
 * weights through MatMulNBits and GatherBlockQuantized, so the model answers as it trained.
 */
export async function writeOnnxModel(dir: string, folder: AdapterFolder, base: ModelFolderInfo, dataDir: string): Promise<OnnxModelFacts> {
  const spec = base.spec
  const maxPositions = positionLimit(spec)
  const quantize = recordedQuantize(folder.config, folder.dir)
  const float = { info: base, spec, checkpoint: checkpointWeightsOf(base) }
  const model = quantize === 'none' ? float : withQuantizedBase(float, ensureQuantizedCopy(base, quantize, dataDir))
  const adapter = inferenceAdapterOf(folder, model)
  const graphName = `${spec.modelType}_${folder.adapter.method}`

  const { built, feeds } = forwardGraph(model, { adapter, outputs: ['logits'], ...(spec.family === 'llama' && maxPositions !== null ? { maxPositions } : {}) })
  // External data locations are the weights' absolute paths here; the data file replaces them all.
  const forward = exportGraph(ONNX_MODEL_FILE, built, feeds, graphName, spec.family === 't5' ? SEQ2SEQ_INPUTS : DECODER_ONLY_INPUTS)
  const generation = spec.family === 't5' ? t5GenerationGraphs({ ...model, spec }, adapter, graphName) : decoderStepGraph({ ...model, spec }, adapter, maxPositions, `${graphName}_step`)
  const graphs = [forward, ...generation.graphs]

  for (const { proto } of graphs) {
    proto.metadataProps = [
      { key: 'mixture_studio.adapter_method', value: folder.adapter.method },
      { key: 'mixture_studio.base_model', value: folder.config.base_model.path },
      { key: 'mixture_studio.max_positions', value: maxPositions === null ? 'none' : String(maxPositions) },
      { key: 'mixture_studio.quantize', value: quantize },
    ]
  }
  checkSameTensors(graphs.map((g) => ({ file: g.file, model: g.proto })), graphs.flatMap((g) => g.shared))
  await externalizeInitializers(graphs.map((g) => g.proto), join(dir, ONNX_DATA_FILE), ONNX_DATA_FILE)
  for (const { file, proto } of graphs) await writeFile(join(dir, file), encodeModel(proto))

  for (const name of COMPANION_FILES) {
    if (existsSync(join(base.dir, name))) await copyFile(join(base.dir, name), join(dir, name))
  }
  return { maxPositions, step: generation.facts, quantize }
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
