// Which files of a model repo a download fetches: what loading and training need (config,
// generation config, tokenizer files, safetensors weights), never pickled weights (.bin, .pt,
// .ckpt, .pkl: loading one can run code) nor the other formats repos carry beside them (ONNX,
// GGUF, TensorFlow, Flax). Only files at the repo's root: transformers reads a model from there, and
// subfolders hold other things (onnx/, original/ consolidated weights, checkpoints).

export interface RepoFileEntry {
  path: string
  size: number
}

export interface ModelFileSelection<F extends RepoFileEntry> {
  /** The files to fetch. */
  files: F[]
  /** The repo's other files, left out (for the user to see what was not fetched, and why). */
  skipped: string[]
  /** Why this repo cannot be downloaded as a model (no safetensors weights, no config.json); null when it can. */
  problem: string | null
  /** Which kind of problem: the HubError kind a download reports. */
  problemKind: 'no-safetensors' | 'not-a-model' | null
}

const CONFIG_FILES = new Set(['config.json', 'generation_config.json'])

/** Every file a tokenizer may come as (fast tokenizer, sentencepiece, BPE vocab/merges, chat template). */
const TOKENIZER_FILES = new Set([
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'added_tokens.json',
  'vocab.json', 'vocab.txt', 'merges.txt', 'tokenizer.model', 'spiece.model',
  'chat_template.jinja', 'chat_template.json',
])

/** Weight formats we never fetch; named so the refusal can say what the repo has instead. */
const OTHER_WEIGHTS = /\.(bin|pt|pth|ckpt|onnx|onnx_data|gguf|h5|msgpack|pickle|pkl|tflite|ot)$/i

const SHARD = /^model-\d+-of-\d+\.safetensors$/

export function selectModelFiles<F extends RepoFileEntry>(repo: string, entries: readonly F[]): ModelFileSelection<F> {
  const root = entries.filter((e) => !e.path.includes('/'))
  const names = new Set(root.map((e) => e.path))
  const safetensors = root.filter((e) => e.path.endsWith('.safetensors'))
  const weights = chooseWeights(safetensors, names.has('model.safetensors.index.json'))
  const wanted = new Set<string>([...weights.map((e) => e.path)])
  if (weights.length > 0 && names.has('model.safetensors.index.json') && !names.has('model.safetensors')) wanted.add('model.safetensors.index.json')
  for (const e of root) if (CONFIG_FILES.has(e.path) || TOKENIZER_FILES.has(e.path)) wanted.add(e.path)
  const files = entries.filter((e) => wanted.has(e.path))
  const skipped = entries.filter((e) => !wanted.has(e.path)).map((e) => e.path)
  if (!names.has('config.json')) {
    return { files, skipped, problem: `${repo} has no config.json at its root, so it is not a transformers model we can load.`, problemKind: 'not-a-model' }
  }
  if (weights.length === 0) {
    const others = root.filter((e) => OTHER_WEIGHTS.test(e.path)).map((e) => e.path)
    const has = others.length > 0 ? ` It has only ${others.slice(0, 3).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''}, which we never load (pickle can run code; ONNX and GGUF are other formats).` : ''
    return { files, skipped, problem: `${repo} has no safetensors weights.${has} Look for a safetensors version of this model on the Hub (often under the same name, or converted by its authors).`, problemKind: 'no-safetensors' }
  }
  return { files, skipped, problem: null, problemKind: null }
}

/**
 * model.safetensors when the repo has it; else the shards its index names by transformers' pattern
 * (model-00001-of-00003.safetensors); else the root safetensors files. consolidated.safetensors
 * (Mistral's own format, a second full copy beside the shards) is never taken.
 */
function chooseWeights<F extends RepoFileEntry>(safetensors: F[], hasIndex: boolean): F[] {
  const single = safetensors.find((e) => e.path === 'model.safetensors')
  if (single) return [single]
  const usable = safetensors.filter((e) => !e.path.startsWith('consolidated'))
  if (hasIndex) {
    const shards = usable.filter((e) => SHARD.test(e.path))
    if (shards.length > 0) return shards
  }
  return usable
}
