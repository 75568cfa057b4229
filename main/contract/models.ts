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
