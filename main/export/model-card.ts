// README.md written beside every export: what the adapter is, what it was trained on and how,
// how well it ended, and how to load it. Plain Markdown, the way model hubs show it.
import type { MetricPoint, RunRecord } from '../store'
import type { NativeAdapterConfig } from '../train/adapter-files'
import type { OnnxModelFacts } from './onnx-model'
import { onnxUsage } from './model-card-onnx'
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
    case 'torchrun':
      throw new Error('internal: a cluster job folder has its own README (export/torchrun/job-readme.ts), not a model card')
  }
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
