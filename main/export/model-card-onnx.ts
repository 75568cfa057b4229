// The ONNX export's part of the model card: what each graph takes and gives, and runnable
// onnxruntime examples (the tests drive decoder_step.onnx by the same protocol).
import { count, pythonStart, tableRow } from './model-card-parts'
import { t5StepUsage } from './model-card-onnx-t5'
import type { OnnxModelFacts } from './onnx-model'
import type { DecoderStepFacts } from './onnx-step-graph'

/** The ONNX model's contract: what to feed, what comes out, and a runnable onnxruntime example. */
export function onnxUsage(onnx: OnnxModelFacts, modelType: string): string[] {
  const seq2seq = modelType === 't5'
  const input = (name: string, length: string, what: string) => `| \`${name}\` | int64 | [batch, ${length}] | ${what} |`
  const limit = onnx.maxPositions === null ? '' : ` Sequences may be up to ${count(onnx.maxPositions)} tokens long.`
  const feed = (name: string, from: string, key: string) => `    "${name}": ${from}["${key}"].astype(np.int64),`
  const feeds = seq2seq
    ? [feed('input_ids', 'source', 'input_ids'), feed('attention_mask', 'source', 'attention_mask'), feed('decoder_input_ids', 'target', 'input_ids'), feed('decoder_attention_mask', 'target', 'attention_mask')]
    : [feed('input_ids', 'batch', 'input_ids'), feed('attention_mask', 'batch', 'attention_mask')]
  const generation = seq2seq
    ? 'To generate, use `encoder.onnx` and `decoder_step.onnx` (below): the encoder runs once, then the step keeps a KV cache, so each new token costs one short run.'
    : 'To generate, use `decoder_step.onnx` (below): it keeps a KV cache, so each new token costs one short run.'
  return [
    'The adapter is built into the graph (its trained tensors are initializers), so `model.onnx` runs in any onnxruntime',
    '(Python, C#, JavaScript, the web) without Mixture Studio and without the base model folder. The weights are in',
    onnx.quantize === 'none'
      ? `\`model.onnx.data\` beside it, in the base model's dtype: keep the files together. The tokenizer files are copied here too.`
      : `\`model.onnx.data\` beside it, the frozen base in ${onnx.quantize} as the adapter was trained on it (onnxruntime's \`com.microsoft\` MatMulNBits and GatherBlockQuantized, in onnxruntime 1.20 or newer): keep the files together. The tokenizer files are copied here too.`,
    'Mixture Studio checks it on onnxruntime\'s CPU and WebGPU providers. On a GPU provider, onnxruntime runs the graph\'s small',
    'shape computations on the CPU by design (with bfloat16 weights on WebGPU, the embedding lookup too), so leave CPU fallback on.',
    '',
    '| Input | Type | Shape | Meaning |',
    '|---|---|---|---|',
    input('input_ids', seq2seq ? 'src' : 'seq', seq2seq ? 'encoder tokens' : 'tokens'),
    input('attention_mask', seq2seq ? 'src' : 'seq', '1 for a real token, 0 for padding'),
    ...(seq2seq
      ? [
          input('decoder_input_ids', 'tgt', 'decoder tokens, starting with `decoder_start_token_id` (config.json)'),
          input('decoder_attention_mask', 'tgt', '1 for a real token, 0 for padding'),
        ]
      : []),
    '',
    `Output: \`logits\`, float32 [batch, ${seq2seq ? 'tgt' : 'seq'}, vocab], for every position (the model scores whole sequences).`,
    `Positions come from the attention mask, so left and right padding both work.${limit}`,
    generation,
    '',
    ...pythonStart(''),
    'session = ort.InferenceSession("<this folder>/model.onnx")',
    ...(seq2seq
      ? ['source = tokenizer(["translate English to German: Hello"], return_tensors="np", padding=True)', 'target = tokenizer(["<pad>"], return_tensors="np", add_special_tokens=False)']
      : ['batch = tokenizer(["Hello, my name is"], return_tensors="np", padding=True)']),
    '(logits,) = session.run(["logits"], {',
    ...feeds,
    '})',
    '```',
    '',
    ...(onnx.step.encoder ? t5StepUsage(onnx.step, onnx.step.encoder.decoderStartTokenId) : stepUsage(onnx.step, onnx.maxPositions, modelType)),
  ]
}

/** decoder_step.onnx: the inputs, the outputs, and a greedy loop that keeps the cache. */
function stepUsage(step: DecoderStepFacts, maxPositions: number | null, modelType: string): string[] {
  const cacheShape = `batch, ${step.kvHeads}, cache, ${step.headDim}`
  const last = step.layers - 1
  return [
    '## Generating with a KV cache: `decoder_step.onnx`',
    '',
    'The step graph Mixture Studio itself generates with, the same adapter and weights (it shares `model.onnx.data`). You',
    'keep the cache: float32 buffers of a fixed capacity (`cache` slots: the prompt\'s, then one per new token), zeros at',
    'first. The first run (the prefill) takes the whole prompt at slot 0; each later run takes one token. A run returns the',
    'next token\'s logits and only its own tokens\' keys and values, which you write into the cache at slots',
    '[`cache_start`, `cache_start` + step). Rows of a batch are padded on the left, so their last prompt tokens share a slot.',
    ...(maxPositions === null ? [] : [`A row's prompt and new tokens together may be up to ${count(maxPositions)} tokens long.`]),
    '',
    '| Input | Type | Shape | Meaning |',
    '|---|---|---|---|',
    tableRow('input_ids', 'int64', 'batch, step', 'this run\'s tokens: the left-padded prompt, then one new token per run'),
    tableRow('position_ids', 'int64', 'batch, step', 'each token\'s position: the real tokens before it in its row'),
    tableRow('attention_mask', 'int64', 'batch, cache', '1 at every slot holding a real token, this run\'s included; 0 for padding and free slots'),
    tableRow('cache_start', 'int64', '1', 'the slot of this run\'s first token'),
    ...(step.cachePositions ? [tableRow('cache_positions', 'int64', 'batch, cache', 'the position of each slot\'s token: the real tokens before it (the sliding window needs it)')] : []),
    tableRow(`past.{0..${last}}.key`, 'float32', cacheShape, 'the cache\'s keys, one input per layer'),
    tableRow(`past.{0..${last}}.value`, 'float32', cacheShape, 'the cache\'s values'),
    '',
    '| Output | Type | Shape | Meaning |',
    '|---|---|---|---|',
    tableRow('logits', 'float32', 'batch, vocab', 'scores for the token after this run\'s last one'),
    tableRow(`present.{0..${last}}.key`, 'float32', `batch, ${step.kvHeads}, step, ${step.headDim}`, 'this run\'s keys: write them into `past.{l}.key` at slots [cache_start, cache_start + step)'),
    tableRow(`present.{0..${last}}.value`, 'float32', `batch, ${step.kvHeads}, step, ${step.headDim}`, 'this run\'s values, likewise'),
    '',
    'A greedy loop (stop at the tokenizer\'s end-of-sequence token in practice):',
    '',
    ...pythonStart(', padding_side="left"'),
    ...(modelType === 'gpt2' ? ['tokenizer.pad_token = tokenizer.eos_token  # GPT-2 has no padding token; padded slots are masked out'] : []),
    'step = ort.InferenceSession("<this folder>/decoder_step.onnx")',
    `LAYERS, KV_HEADS, HEAD_DIM, NEW_TOKENS = ${step.layers}, ${step.kvHeads}, ${step.headDim}, 20`,
    '',
    'batch = tokenizer(["Hello, my name is", "Once upon a time"], return_tensors="np", padding=True)',
    'ids, prompt_mask = batch["input_ids"].astype(np.int64), batch["attention_mask"].astype(np.int64)',
    'rows, prompt = ids.shape',
    'capacity = prompt + NEW_TOKENS',
    'cache = {f"past.{l}.{kv}": np.zeros((rows, KV_HEADS, capacity, HEAD_DIM), np.float32) for l in range(LAYERS) for kv in ("key", "value")}',
    'mask = np.zeros((rows, capacity), np.int64)',
    'mask[:, :prompt] = prompt_mask',
    'positions = np.cumsum(prompt_mask, axis=1) - prompt_mask  # real tokens before each token',
    'start, new_tokens = 0, []',
    'for _ in range(NEW_TOKENS):',
    '    feeds = {"input_ids": ids, "position_ids": positions, "attention_mask": mask, "cache_start": np.array([start], np.int64), **cache}',
    ...(step.cachePositions ? ['    feeds["cache_positions"] = np.cumsum(mask, axis=1) - mask'] : []),
    '    out = dict(zip([o.name for o in step.get_outputs()], step.run(None, feeds)))',
    '    for name, past in cache.items():',
    '        past[:, :, start:start + ids.shape[1]] = out[name.replace("past", "present")]',
    '    start += ids.shape[1]',
    '    ids = out["logits"].argmax(axis=-1, keepdims=True).astype(np.int64)',
    '    new_tokens.append(ids[:, 0])',
    '    positions = positions[:, -1:] + 1',
    '    mask[:, start] = 1',
    'print(tokenizer.batch_decode(np.stack(new_tokens, axis=1)))',
    '```',
  ]
}
