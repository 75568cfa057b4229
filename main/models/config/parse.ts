// config.json → ModelSpec: read the file, dispatch on model_type, validate per architecture.
import { readFileSync } from 'node:fs'
import { ModelFolderError } from '../errors'
import { parseGpt2Config } from './gpt2'
import { parseGemma3TextConfig } from './gemma3'
import { parseLlamaFamilyConfig } from './llama'
import { SUPPORTED_MODEL_TYPES, trainableSibling, type ModelSpec, type ModelType } from '../../engine/models/spec'
import { parseT5Config } from './t5'

/** Validates an already-parsed config.json object. `file` names it in errors. */
export function parseModelConfig(raw: unknown, file = 'config.json'): ModelSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelFolderError(`${file}: must be a JSON object`, file)
  const fields = raw as Record<string, unknown>
  const modelType = fields.model_type
  if (typeof modelType !== 'string') {
    const hint = Array.isArray(fields.architectures) ? ` (architectures: ${fields.architectures.join(', ')})` : ''
    throw new ModelFolderError(`${file}: field "model_type" is missing${hint}; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`, file)
  }
  if (!(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    const sibling = trainableSibling(modelType)
    throw new ModelFolderError(`${file}: model_type "${modelType}" is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}${sibling ? `. ${sibling}` : ''}`, file)
  }
  const type = modelType as ModelType
  switch (type) {
    case 'llama':
    case 'mistral':
    case 'qwen2':
    case 'qwen3':
    case 'smollm3':
      return parseLlamaFamilyConfig(type, fields, file)
    case 'gemma3_text':
      return parseGemma3TextConfig(fields, file)
    case 'gpt2':
      return parseGpt2Config(fields, file)
    case 't5':
      return parseT5Config(fields, file)
    default: {
      const unreachable: never = type
      throw new Error(`unhandled model type ${String(unreachable)}`)
    }
  }
}

/** Reads and validates a config.json file. */
export function readModelConfig(path: string): ModelSpec {
  let text: string
  try {
    text = readFileSync(path, 'utf-8')
  } catch (e) {
    throw new ModelFolderError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a model folder needs its config.json`, path)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    throw new ModelFolderError(`${path}: not valid JSON (${(e as Error).message})`, path)
  }
  return parseModelConfig(raw, path)
}
