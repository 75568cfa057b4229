// A run's training and validation examples, tokenized once into the run's own folder
// (<runDir>/data/train.tokens, validation.tokens) with main/data's import pipeline. A resumed
// run reads those files again, so it sees exactly the examples (and order) it started with even
// if the source file has changed since.
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import type { RunConfig } from '../contract/run-config'
import { importDataset, loadTokenizerBundle, MappingError, TokenCacheReader, validationMask, type ExampleFormat, type ImportReport, type TemplateChoice } from '../data'
import type { TrainingExample } from './batches'

export interface RunData {
  train: TrainingExample[]
  validation: TrainingExample[]
  /** Things the user should know (rows skipped, and why). */
  notes: string[]
}

const FORMATS: Record<RunConfig['data']['format'], ExampleFormat | undefined> = {
  auto: undefined,
  alpaca: 'alpaca',
  chat: 'chat',
  prompt_completion: 'prompt-completion',
  // Trains each row as its prompt, then the right choice's text as the completion.
  multiple_choice: 'multiple-choice',
  text: 'text',
}

/**
 * The chat template a run renders its data with: the model's own when it has one, else ChatML.
 * Multiple-choice scoring through a run (run-multiple-choice.ts) chooses it the same way.
 */
export const RUN_TEMPLATE: TemplateChoice = 'auto'

/**
 * The template that renders a prompt for a run's model outside its data (multiple-choice scoring,
 * sample answers): the run's, except that a run trained on plain text rows saw no template at all,
 * so its prompts are plain text too.
 */
export function promptTemplateChoice(config: RunConfig | null): TemplateChoice {
  return config?.data.format === 'text' ? 'plain' : RUN_TEMPLATE
}

/** Where a run keeps a split's tokenized examples (what a resume, the cluster job and eval read again). */
export function runTokensFile(runDir: string, split: 'train' | 'validation'): string {
  return join(runDir, 'data', `${split}.tokens`)
}

export async function prepareRunData(config: RunConfig, modelDir: string, runDir: string): Promise<RunData> {
  mkdirSync(join(runDir, 'data'), { recursive: true })
  const notes: string[] = []
  const trainFile = runTokensFile(runDir, 'train')
  const validationFile = runTokensFile(runDir, 'validation')
  if (!existsSync(trainFile)) notes.push(...(await tokenizeRunFile(config, modelDir, config.data.train, trainFile)))
  if (config.data.validation && !existsSync(validationFile)) notes.push(...(await tokenizeRunFile(config, modelDir, config.data.validation, validationFile)))

  const all = await readExamples(trainFile)
  if (config.data.validation) return { train: all, validation: await readExamples(validationFile), notes }
  const { train, validation } = splitRunExamples(config, all)
  if (train.length === 0) throw new Error(`data.split ${config.data.split} leaves no training examples out of ${all.length}; use a smaller split`)
  return { train, validation, notes }
}

/** The run's data.split of its training file's examples: the held-out ones are its validation set. */
export function splitRunExamples(config: RunConfig, all: TrainingExample[]): { train: TrainingExample[]; validation: TrainingExample[] } {
  const split = config.data.split
  if (split === null) return { train: all, validation: [] }
  const spec = split < 1 ? { kind: 'fraction' as const, fraction: split, seed: config.train.seed } : { kind: 'count' as const, count: split, seed: config.train.seed }
  const mask = validationMask(spec, all.length)
  return { train: all.filter((_, i) => !mask[i]), validation: all.filter((_, i) => mask[i]) }
}

/**
 * Renders and tokenizes `source` exactly as the run's training does (its format, mapping,
 * template, max_length and train_on_prompt masking) into the token cache `target`; returns the
 * notes about skipped rows. `eval --run --data` scores a file through this too.
 */
export async function tokenizeRunFile(config: RunConfig, modelDir: string, source: string, target: string): Promise<string[]> {
  const bundle = loadTokenizerBundle(modelDir)
  const cacheDir = join(target, '..', 'import')
  mkdirSync(cacheDir, { recursive: true })
  let report: ImportReport
  try {
    report = await importDataset({
      path: source,
      format: FORMATS[config.data.format],
      ...(Object.keys(config.data.mapping).length > 0 ? { mapping: config.data.mapping } : {}),
      onError: 'skip',
      template: RUN_TEMPLATE,
      trainOnPrompt: config.data.train_on_prompt,
      tokenization: { bundle, maxLength: config.data.max_length, cacheDir },
      split: { kind: 'none' },
    })
  } catch (error) {
    // The data module speaks the CLI's --map; a run configuration says data.mapping.
    if (error instanceof MappingError) throw new Error(`${source}: ${error.message.replace(/map it with --map (\S+)=COLUMN/, 'set data.mapping.$1 to the column that holds it')}`)
    throw error
  }
  if (!report.cache) throw new Error(`internal: ${source} was imported without a tokenized cache`)
  renameSync(report.cache.path, target)
  const notes: string[] = []
  if (report.counts.skipped > 0) {
    const first = report.problems[0]
    notes.push(`${source}: ${report.counts.skipped} of ${report.counts.rows} rows skipped${first ? ` (first: line ${first.line}: ${first.reason})` : ''}`)
  }
  if (report.stats.trainedTokens === 0) throw new Error(`${source}: no example has a trained token; check data.format and data.train_on_prompt`)
  return notes
}

async function readExamples(path: string): Promise<TrainingExample[]> {
  return (await readRunTokens(path)).examples
}

/** The examples of a run's token cache, and the name of the chat template that rendered them. */
export async function readRunTokens(path: string): Promise<{ examples: TrainingExample[]; templateName: string }> {
  const reader = await TokenCacheReader.open(path)
  try {
    const examples: TrainingExample[] = []
    for (let i = 0; i < reader.count; i++) {
      const e = await reader.read(i)
      examples.push({ line: e.line, inputIds: e.inputIds, trained: e.trained })
    }
    return { examples, templateName: reader.meta.templateName }
  } finally {
    await reader.close()
  }
}
