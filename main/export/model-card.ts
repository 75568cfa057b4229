// README.md written beside every export: what the adapter is, what it was trained on and how,
// how well it ended, and how to load it. Plain Markdown, the way model hubs show it.
import type { MetricPoint, RunRecord } from '../store'
import type { NativeAdapterConfig } from '../train/adapter-files'
import type { OnnxModelFacts } from './onnx-model'
import type { ExportFormat } from './types'

export interface ModelCardFacts {
  format: ExportFormat
  config: NativeAdapterConfig
  /** Parameters of the base model, when its folder could be opened. */
  baseParameters: number | null
  run: RunRecord | null
  latest: Record<string, MetricPoint>
  exportedAt: Date
  /** The ONNX export's inputs and sequence limit (null for the other formats). */
  onnx?: OnnxModelFacts | null
}

const METHOD_NAMES = {
  mov: 'MoV (a routed mixture of (IA)³ vectors)',
  molora: 'MoLoRA (a routed mixture of LoRA experts)',
  ia3: '(IA)³ (one learned scaling vector per site)',
  lora: 'LoRA (a low-rank update per projection)',
} as const

export function modelCard(facts: ModelCardFacts): string {
  const { config, run, latest } = facts
  const base = config.base_model
  const trainable = config.trainable_parameters
  const share = facts.baseParameters ? `${((100 * trainable) / facts.baseParameters).toPrecision(3)}% of the base model's ${formatCount(facts.baseParameters)}` : 'unknown (the base model folder could not be opened)'
  const rows: [string, string][] = [
    ['Base model', `\`${base.path}\` (${base.architecture}, model_type ${base.model_type}, hidden ${base.hidden_size}, ${base.num_layers} layers, vocabulary ${base.vocab_size})`],
    ['Method', `${METHOD_NAMES[config.method]}${methodSettings(config)}`],
    ['Sites', config.sites ? config.sites.join(', ') : "the method's defaults"],
    ['Trainable parameters', formatCount(trainable)],
    ['Share of the base model', share],
    ['Trained steps', config.step === null ? 'unknown' : String(config.step)],
    ['Final training loss', metric(latest.loss)],
    ['Final validation loss', metric(latest.eval_loss)],
  ]
  if (run) rows.unshift(['Run', `${run.name} (\`${run.id}\`, ${run.status})`])
  const title = `# ${config.method} adapter for ${baseName(base.path)}`
  const lines = [
    title,
    '',
    `Exported by Mixture Studio on ${facts.exportedAt.toISOString().slice(0, 10)} in the **${facts.format}** format.`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    '## Training configuration',
    '',
    run ? 'The run configuration, every default filled in:' : 'The adapter section it was trained with (the run itself is not in this store):',
    '',
    '```json',
    JSON.stringify(run ? run.config : config.adapter, null, 2),
    '```',
    '',
    '## How to use it',
    '',
    ...usage(facts, base.path, base.model_type),
    '',
  ]
  return lines.join('\n')
}

function methodSettings(config: NativeAdapterConfig): string {
  const parts: string[] = []
  if (config.num_experts !== null) parts.push(`E = ${config.num_experts}`)
  if (config.rank !== null) parts.push(`r = ${config.rank}`)
  if (config.alpha !== null) parts.push(`α = ${config.alpha}`)
  if (config.top_k !== null) parts.push(`top-${config.top_k}${config.renormalize ? ' renormalised' : ''}`)
  return parts.length ? `, ${parts.join(', ')}` : ''
}

function usage(facts: ModelCardFacts, basePath: string, modelType: string): string[] {
  const autoClass = modelType === 't5' ? 'AutoModelForSeq2SeqLM' : 'AutoModelForCausalLM'
  switch (facts.format) {
    case 'native':
      return [
        'This is Mixture Studio\'s own format (`adapter_config.json` + `adapter_model.safetensors`, float32 tensors named',
        'after the base model\'s modules). Continue training from it with `adapter.init: <this folder>` in a run configuration.',
      ]
    case 'peft':
      return [
        '```python',
        `from transformers import ${autoClass}`,
        'from peft import PeftModel',
        '',
        `base = ${autoClass}.from_pretrained(${JSON.stringify(basePath)})`,
        'model = PeftModel.from_pretrained(base, "<this folder>")',
        '```',
      ]
    case 'merged':
      return [
        'The adapter is folded into the weights: this folder is a complete model, loaded like its base.',
        '',
        '```python',
        `from transformers import ${autoClass}`,
        '',
        `model = ${autoClass}.from_pretrained("<this folder>")`,
        '```',
      ]
    case 'onnx':
      if (!facts.onnx) throw new Error("internal: the ONNX model card needs the model's inputs (writeOnnxModel's facts)")
      return onnxUsage(facts.onnx, modelType)
  }
}

/** The ONNX model's contract: what to feed, what comes out, and a runnable onnxruntime example. */
function onnxUsage(onnx: OnnxModelFacts, modelType: string): string[] {
  const seq2seq = modelType === 't5'
  const input = (name: string, length: string, what: string) => `| \`${name}\` | int64 | [batch, ${length}] | ${what} |`
  const limit = onnx.maxPositions === null ? '' : ` Sequences may be up to ${formatCount(onnx.maxPositions)} tokens long.`
  const feed = (name: string, from: string, key: string) => `    "${name}": ${from}["${key}"].astype(np.int64),`
  const feeds = seq2seq
    ? [feed('input_ids', 'source', 'input_ids'), feed('attention_mask', 'source', 'attention_mask'), feed('decoder_input_ids', 'target', 'input_ids'), feed('decoder_attention_mask', 'target', 'attention_mask')]
    : [feed('input_ids', 'batch', 'input_ids'), feed('attention_mask', 'batch', 'attention_mask')]
  return [
    'The adapter is built into the graph (its trained tensors are initializers), so `model.onnx` runs in any onnxruntime',
    '(Python, C#, JavaScript, the web) without Mixture Studio and without the base model folder. The weights are in',
    '`model.onnx.data` beside it, in the base model\'s dtype: keep the two files together. The tokenizer files are copied here too.',
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
    `Output: \`logits\`, float32 [batch, ${seq2seq ? 'tgt' : 'seq'}, vocab], for every position (the model scores whole sequences; it keeps no`,
    `KV cache, so to generate, run it on the growing sequence and read the last position). Positions come from the attention`,
    `mask, so left and right padding both work.${limit}`,
    '',
    '```python',
    'import numpy as np',
    'import onnxruntime as ort',
    'from transformers import AutoTokenizer',
    '',
    'tokenizer = AutoTokenizer.from_pretrained("<this folder>")',
    'session = ort.InferenceSession("<this folder>/model.onnx")',
    ...(seq2seq
      ? ['source = tokenizer(["translate English to German: Hello"], return_tensors="np", padding=True)', 'target = tokenizer(["<pad>"], return_tensors="np", add_special_tokens=False)']
      : ['batch = tokenizer(["Hello, my name is"], return_tensors="np", padding=True)']),
    '(logits,) = session.run(["logits"], {',
    ...feeds,
    '})',
    '```',
  ]
}

function metric(point: MetricPoint | undefined): string {
  return point ? `${point.value.toFixed(4)} (step ${point.step})` : 'not recorded'
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US')
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).at(-1) ?? path
}
