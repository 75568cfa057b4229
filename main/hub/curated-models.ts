// The first-run list: small instruct models that fit a laptop, shown before any search, so a new
// user's "which model?" has an answer one click away. Sizes here are approximate (parameters as
// the model's name gives them, bytes at the 2 bytes a parameter of bf16 weights, 4 for float32);
// the Hub's own figures replace them once it answers (curatedHubModels in search.ts).
import type { ModelType } from '../engine/models/spec'

export interface CuratedModel {
  /** ORG/NAME on the Hub. */
  repo: string
  modelType: ModelType
  /** About how many parameters. */
  approxParameters: number
  /** About how many bytes its safetensors weights take. */
  approxBytes: number
  /** The Hub asks the user to accept its conditions before a download (and a token then). */
  gated: boolean
  /** One line: why this one. */
  why: string
}

const BF16 = 2
const F32 = 4

function entry(repo: string, modelType: ModelType, approxParameters: number, bytesPerParameter: number, gated: boolean, why: string): CuratedModel {
  return { repo, modelType, approxParameters, approxBytes: approxParameters * bytesPerParameter, gated, why }
}

/** Smallest first: the first entry is the quickest way to see a whole run through. */
export const CURATED_MODELS: readonly CuratedModel[] = [
  entry('HuggingFaceTB/SmolLM2-135M-Instruct', 'llama', 135e6, BF16, false, 'The smallest here: downloads in moments and trains on any laptop, to try the whole flow first.'),
  entry('google/flan-t5-small', 't5', 77e6, F32, false, 'A small instruction-tuned encoder-decoder (T5), for input-to-output tasks such as rewriting or classifying.'),
  entry('google/gemma-3-270m-it', 'gemma3_text', 268e6, BF16, true, 'Google\'s smallest Gemma 3, made for fine-tuning to one task; gated: accept Google\'s terms and set a token.'),
  entry('HuggingFaceTB/SmolLM2-360M-Instruct', 'llama', 360e6, BF16, false, 'Still small; more room to learn than the 135M one.'),
  entry('Qwen/Qwen2.5-0.5B-Instruct', 'qwen2', 0.5e9, BF16, false, 'A half-billion-parameter chat model: a next step once the small ones work.'),
  entry('Qwen/Qwen3-0.6B', 'qwen3', 0.6e9, BF16, false, 'A newer small Qwen model, under a billion parameters.'),
  entry('google/gemma-3-1b-it', 'gemma3_text', 1e9, BF16, true, 'A 1B Gemma 3 chat model with a 32K context; gated: accept Google\'s terms and set a token.'),
  entry('meta-llama/Llama-3.2-1B-Instruct', 'llama', 1.24e9, BF16, true, 'A 1B Llama chat model; gated: accept Meta\'s license on the Hub and set a token first.'),
  entry('Qwen/Qwen2.5-1.5B-Instruct', 'qwen2', 1.5e9, BF16, false, 'The largest here, about 3 GB of weights: give it a laptop with plenty of memory.'),
]
