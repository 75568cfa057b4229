import { FORMAT_FIELDS, type FormatField } from '../../../../main/data/format-fields'
import type { DatasetFormat, TemplateChoice } from '../../stores/dataset-import-input'

export interface Choice<T extends string> {
  value: T
  label: string
  description: string
}

export const formatChoices: Choice<DatasetFormat>[] = [
  { value: 'prompt-completion', label: 'Prompt and completion', description: 'A prompt and the completion the model learns to write.' },
  { value: 'alpaca', label: 'Instruction (Alpaca)', description: 'An instruction, an optional input, and the output to learn.' },
  { value: 'chat', label: 'Chat messages', description: 'A list of messages with roles; the assistant turns are learned.' },
  {
    value: 'multiple-choice',
    label: 'Multiple choice',
    description:
      'A prompt, its choices and the right one (a 0-based index or its text). Training learns the right choice; evaluation ranks them. ' +
      'In CSV the choices column holds a JSON array, e.g. ["yes","no"]; in Parquet a list column.',
  },
  { value: 'text', label: 'Plain text', description: 'Whole texts; every token is learned.' },
]

export function formatLabel(format: string | null): string {
  return formatChoices.find((choice) => choice.value === format)?.label ?? format ?? 'Unknown'
}

export const templateChoices: Choice<TemplateChoice>[] = [
  { value: 'auto', label: 'Automatic', description: "The model's chat template when it has one, else ChatML." },
  { value: 'model', label: "The model's template", description: 'Requires a model with a chat template.' },
  { value: 'chatml', label: 'ChatML', description: '<|im_start|>role … <|im_end|> turns.' },
  { value: 'plain', label: 'Plain', description: 'The texts joined without role markers.' },
]

const templateNames: Record<string, string> = { model: "The model's chat template", chatml: 'ChatML', plain: 'Plain' }

/** The template an import used, by the name the report gives it. */
export function templateLabel(name: string): string {
  return templateNames[name] ?? name
}

/** The fields of a format, in the order the mapping table shows them. */
export function formatFields(format: DatasetFormat): FormatField[] {
  return FORMAT_FIELDS[format]
}

/** Chat's `role` and `content` name keys inside each message, not columns of the file. */
export function isMessageKey(format: DatasetFormat, field: string): boolean {
  return format === 'chat' && (field === 'role' || field === 'content')
}
