// An imported dataset as the data section of a run configuration: its file, its held-out part
// (a separate file, or the same seeded split) and the format the import settled on.
import type { DatasetDetail, DatasetSummary } from '../../../main/contract'

const FORMATS: Record<string, string> = { alpaca: 'alpaca', chat: 'chat', 'prompt-completion': 'prompt_completion', 'multiple-choice': 'multiple_choice', text: 'text' }

interface StoredSplit {
  kind?: string
  fraction?: number
  count?: number
}

export function dataSectionFor(dataset: DatasetDetail, all: readonly DatasetSummary[]): Record<string, unknown> {
  const split = (dataset.options.split ?? null) as StoredSplit | null
  const validationFile = dataset.validationDatasetId ? all.find((d) => d.id === dataset.validationDatasetId)?.path ?? null : null
  const section: Record<string, unknown> = {
    train: dataset.path,
    validation: validationFile,
    split: validationFile ? null : split?.kind === 'fraction' ? split.fraction ?? null : split?.kind === 'count' ? split.count ?? null : null,
    format: FORMATS[dataset.format] ?? 'auto',
    // The columns the import used, so the run reads the file the same way.
    mapping: { ...dataset.mapping },
    train_on_prompt: dataset.options.trainOnPrompt === true,
  }
  if (typeof dataset.options.maxLength === 'number') section.max_length = dataset.options.maxLength
  return section
}
