// The New run form's state: a run configuration being written, every field present (defaults
// filled in), validated by the contract's own RunConfig schema as it changes.
import { DataConfig, DEFAULT_MAX_STEPS, EvalConfig, RunConfig, TrainConfig, type QuantizeScheme, type RunConfigInput } from '../../../main/contract/run-config'
import { methodFields, type AdapterMethodName } from './adapter-methods'
import { defaultsOf, fieldSpec, objectFields, type FieldSpec } from './schema-fields'
import type { AdapterPreset } from './presets'
import type { EvalDraft } from './eval-sets'
import { runSplitSpec, splitLeavesNothing } from '../../../main/data/split'
import { issueInWords } from './issue-words'

export interface RunDraft {
  name: string
  /** The model folder (model.path). */
  model: string
  /** How its frozen weights are held (model.quantize): the Frozen base select. */
  quantize: QuantizeScheme
  data: Record<string, unknown>
  adapter: { method: AdapterMethodName } & Record<string, unknown>
  train: Record<string, unknown>
  /** The eval section: multiple-choice sets and prompts evaluated at every eval step (EvalSection.vue). */
  eval: EvalDraft
  device: string
}

/** Fields of the data section the form edits generically (the files are picked separately). */
export const DATA_FIELDS: FieldSpec[] = objectFields(DataConfig, ['train', 'validation'])
export const TRAIN_FIELDS: FieldSpec[] = objectFields(TrainConfig)
export const DEVICE_FIELD: FieldSpec = fieldSpec('device', RunConfig.shape.device)!

export function adapterDefaults(method: AdapterMethodName): RunDraft['adapter'] {
  return { method, ...defaultsOf(methodFields(method)) }
}

export function emptyDraft(): RunDraft {
  return {
    name: '',
    model: '',
    quantize: 'none',
    data: { train: '', validation: null, ...defaultsOf(DATA_FIELDS) },
    adapter: adapterDefaults('mov'),
    // The steps a run trains when the file gives neither steps nor epochs, shown rather than implied.
    train: { ...defaultsOf(TRAIN_FIELDS), max_steps: DEFAULT_MAX_STEPS },
    eval: EvalConfig.parse({}),
    device: String(DEVICE_FIELD.defaultValue ?? 'auto'),
  }
}

/**
 * A run trains a number of steps or of epochs: giving one clears the other, instead of an error
 * asking the user to clear it.
 */
export function withTrainLength(train: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const given = value !== null && value !== undefined && value !== ''
  if (key === 'epochs' && given) return { ...train, epochs: value, max_steps: null }
  if (key === 'max_steps' && given) return { ...train, max_steps: value, epochs: null }
  return { ...train, [key]: value }
}

/** A preset replaces the adapter section (the method's defaults, then the preset's values). */
export function withPreset(draft: RunDraft, preset: AdapterPreset): RunDraft {
  return { ...draft, adapter: { ...adapterDefaults(preset.adapter.method), ...preset.adapter } }
}

function blankToNull(value: unknown): unknown {
  if (value === '' || value === undefined) return null
  if (Array.isArray(value) && value.length === 0) return null
  return value
}

function section(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, blankToNull(value)]))
}

/**
 * The model as the form writes it: the folder alone while the base stays full precision (the
 * shorthand every configuration written before model.quantize uses), { path, quantize } otherwise.
 */
function modelInput(draft: RunDraft): RunConfigInput['model'] {
  const path = draft.model.trim()
  return draft.quantize === 'none' ? path : { path, quantize: draft.quantize }
}

/** What the form says, as a run configuration input (blank optional fields are null). */
export function draftToInput(draft: RunDraft): RunConfigInput {
  const input: Record<string, unknown> = {
    model: modelInput(draft),
    data: { ...section(draft.data), train: String(draft.data.train ?? '').trim() },
    adapter: section(draft.adapter),
    train: section(draft.train),
    eval: draft.eval,
    device: draft.device,
  }
  if (draft.name.trim()) input.name = draft.name.trim()
  return input as RunConfigInput
}

/** A validated configuration (every default filled in) as the form's state. */
export function draftFromConfig(config: RunConfig): RunDraft {
  const { name, model, data, adapter, train, device } = config
  const evaluation = config.eval
  return {
    name: name ?? '',
    model: model.path,
    quantize: model.quantize,
    data: { ...data },
    adapter: { ...adapterDefaults(adapter.method), ...adapter } as RunDraft['adapter'],
    train: { ...train },
    eval: { ...evaluation },
    device,
  }
}

export interface DraftCheck {
  config: RunConfig | null
  /** Field path ("train.lr", "adapter.top_k") → what is wrong with it, in the form's words. */
  issues: Record<string, string>
}

/**
 * The draft judged by the contract's schema, then (when the training file's example count is
 * known, from the dataset catalog) whether its held-out split leaves anything to train on.
 */
export function checkDraft(draft: RunDraft, trainExamples: number | null = null): DraftCheck {
  const result = RunConfig.safeParse(draftToInput(draft))
  if (result.success) {
    const { split } = result.data.data
    const nothingToTrain = split === null || !trainExamples ? null : splitLeavesNothing(runSplitSpec(split, result.data.train.seed), trainExamples)
    return nothingToTrain ? { config: null, issues: { 'data.split': nothingToTrain } } : { config: result.data, issues: {} }
  }
  const issues: Record<string, string> = {}
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('.') || 'config'
    issues[path] ??= issueInWords(issue, path)
  }
  return { config: null, issues }
}
