import { z } from 'zod'

/** A registered model folder, as the Models page lists it. */
export const ModelSummary = z.object({
  id: z.string(),
  name: z.string(),
  /** The folder (absolute). */
  path: z.string(),
  /** The HF class (e.g. "Qwen2ForCausalLM"), else the model_type. */
  architecture: z.string(),
  modelType: z.string(),
  parameterCount: z.number().int(),
  /** Weight dtype on disk: float32, float16, bfloat16 or mixed. */
  dtype: z.string(),
  sizeBytes: z.number().int(),
  /** null when positions are relative and unbounded (T5). */
  contextLength: z.number().int().nullable(),
  vocabSize: z.number().int(),
  hasChatTemplate: z.boolean(),
  createdAt: z.string(),
})
export type ModelSummary = z.infer<typeof ModelSummary>

/** A quantized copy of a model's weights that the app made under the data folder (model.quantize). */
export const QuantizedCopyInfo = z.object({
  scheme: z.enum(['int4', 'int8']),
  /** Its folder (absolute), under <data folder>/quantized/. */
  dir: z.string(),
  bytes: z.number().int(),
  modifiedAt: z.string(),
  /**
   * Made from the model's weight files as they are now, by this version of the app: runs use it.
   * false: made from earlier files or by an older version; the next copy of that scheme deletes it.
   */
  current: z.boolean(),
})
export type QuantizedCopyInfo = z.infer<typeof QuantizedCopyInfo>

export const ModelDetail = ModelSummary.extend({
  family: z.enum(['llama', 'gpt2', 't5']),
  layers: z.number().int(),
  /** T5 only. */
  decoderLayers: z.number().int().nullable(),
  hiddenSize: z.number().int(),
  heads: z.number().int(),
  kvHeads: z.number().int(),
  headDim: z.number().int(),
  ffnSize: z.number().int(),
  tiedEmbeddings: z.boolean(),
  files: z.array(z.object({ path: z.string(), size: z.number().int() })),
  hasTokenizer: z.boolean(),
  /** Things worth knowing that did not stop the import (e.g. pickle files ignored). */
  notes: z.array(z.string()),
  /** The quantized copies the app keeps of it (deleted with it); empty when it never trained quantized. */
  quantizedCopies: z.array(QuantizedCopyInfo),
})
export type ModelDetail = z.infer<typeof ModelDetail>

export const ModelsImportInput = z
  .object({
    /** A Hugging Face model folder: config.json, safetensors weights, tokenizer files. */
    path: z.string().min(1),
    name: z.string().min(1).optional(),
  })
  .strict()

export const ModelIdInput = z.object({ id: z.string().min(1) }).strict()

/** What removing a model did: its record is gone, its folder untouched, its quantized copies deleted. */
export const ModelRemoved = ModelSummary.extend({
  quantizedCopiesDeleted: z.array(QuantizedCopyInfo),
  /** Copies that could not be deleted now (a running job has one open), with why. */
  quantizedCopiesKept: z.array(QuantizedCopyInfo.extend({ why: z.string() })),
})
export type ModelRemoved = z.infer<typeof ModelRemoved>
