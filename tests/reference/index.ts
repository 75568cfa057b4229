// Independent float64 reference forward passes of every architecture we support, for checking the
// engine's logits. Plain loops over Float64Arrays; nothing from main/engine or main/models.
import { gemma3Logits } from './gemma3'
import { gpt2Logits } from './gpt2'
import { llamaLogits } from './llama'
import { loadCheckpoint, type ReferenceCheckpoint } from './tensors'
import { t5EncoderStates, t5Logits, type Seq2SeqBatch } from './t5'
import type { Logits, TokenBatch } from './batch'

export type { Logits, TokenBatch } from './batch'
export type { Seq2SeqBatch } from './t5'
export { loadCheckpoint, type ReferenceCheckpoint, type F64Tensor } from './tensors'
export { llamaLogits, gemma3Logits, gpt2Logits, t5Logits, t5EncoderStates }
export { relativePositionBucket } from './t5-buckets'
export { inverseFrequencies, applyRope } from './rope'
export { float16BitsToNumber, bfloat16BitsToNumber } from './decode'

/** Logits of a decoder-only model folder (llama, mistral, qwen2, qwen3, smollm3, gemma3_text, gpt2). */
export function referenceLogits(dir: string, batch: TokenBatch): Logits {
  return decoderOnlyLogits(loadCheckpoint(dir), batch)
}

export function decoderOnlyLogits(ckpt: ReferenceCheckpoint, batch: TokenBatch): Logits {
  const type = String(ckpt.config.model_type)
  if (['llama', 'mistral', 'qwen2', 'qwen3', 'smollm3'].includes(type)) return llamaLogits(ckpt, batch)
  if (type === 'gemma3_text') return gemma3Logits(ckpt, batch)
  if (type === 'gpt2') return gpt2Logits(ckpt, batch)
  throw new Error(`reference: ${type} is not a decoder-only model type we support${type === 't5' ? ' (use referenceSeq2SeqLogits)' : ''}`)
}

/** Decoder logits of a T5 folder for encoder inputs and decoder inputs. */
export function referenceSeq2SeqLogits(dir: string, batch: Seq2SeqBatch): Logits {
  return t5Logits(loadCheckpoint(dir), batch)
}

/** Largest |a − b| over the real (non-NaN in `expected`) positions; for engine-vs-reference checks. */
export function maxAbsDifference(actual: ArrayLike<number>, expected: Logits): number {
  if (actual.length !== expected.data.length) throw new Error(`compare: ${actual.length} values for [${expected.shape}]`)
  let max = 0
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(expected.data[i])) continue
    const diff = Math.abs(actual[i] - expected.data[i])
    if (Number.isNaN(diff)) return Infinity // NaN from the engine at a real position
    max = Math.max(max, diff)
  }
  return max
}
