// Multiple-choice questions rendered as a run's training renders its data, for rank classification
// through a run (eval --run, accuracy during training, the Evaluate page). The prompt is the user
// turn through the run's chat template, up to and including the assistant header (the generation
// prompt); each choice is the start of the assistant's reply. Only the choice's tokens are scored:
// not the end-of-turn marker or EOS that training also learns after a completion, which would add
// a term to every choice without saying which answer the model prefers. The text comes from
// main/data's own renderer, span location and tokenizer (renderExample, tokenizeRendered), so the
// prompt's tokens are exactly those training saw before an answer. T5: the prompt is the encoder
// input and the choice the decoder's target (seq2seqParts, as its batches split an example).
import { DataConfig, type RunConfig } from '../contract/run-config'
import {
  ChatRenderer,
  chooseTemplate,
  DatasetFileError,
  detectFormat,
  formatProblem,
  inspectSource,
  isRowError,
  loadTokenizerBundle,
  MappingError,
  normalizeRow,
  renderExample,
  resolveMapping,
  sourceRows,
  tokenizeRendered,
  TemplateError,
  type ChatMessage,
  type ColumnMapping,
  type FileType,
  type SourceRow,
  type TokenizerBundle,
} from '../data'
import { isMultipleChoiceFault, readMultipleChoice } from '../data/multiple-choice'
import { EvalDataError } from '../models/eval/examples'
import type { MultipleChoiceQuestion } from '../models/eval/multiple-choice'
import type { ModelSpec } from '../engine/models/spec'
import type { TrainingExample } from './batches'
import { promptTemplateChoice } from './run-data'
import { toEvalExample } from './run-eval'

export interface MultipleChoiceTarget {
  modelDir: string
  spec: ModelSpec
  /** The run whose template, mapping and max_length apply; null: the base model as a run of it would render the rows (defaults). */
  config: RunConfig | null
}

export interface TemplatedMultipleChoice {
  questions: MultipleChoiceQuestion[]
  /** The chat template that rendered them: model, chatml or plain (main/data/templates.ts). */
  templateName: string
  /** Things the user should know: prompts cut to fit max_length. */
  notes: string[]
}

/**
 * Every row of `file` (JSONL, JSON, CSV/TSV, Parquet: read and checked as the dataset import reads
 * multiple-choice rows) as a question whose choices are scored after the rendered prompt.
 *
 * A bad row is an error naming the file and line (an accuracy over the rows that happened to parse
 * would not be the accuracy on the file). A question longer than max_length (its prompt and longest
 * choice) keeps the end of its prompt: the same number of tokens is cut from the start of the
 * prompt (after BOS) for every choice, so the choices still follow one prompt, and a note names the
 * line. Training would skip such a row; eval cannot drop a question without changing the accuracy.
 * A choice that does not fit even with a one-token prompt is an error naming the line.
 */
export async function templateMultipleChoice(file: string, target: MultipleChoiceTarget): Promise<TemplatedMultipleChoice> {
  const { config } = target
  const bundle = loadTokenizerBundle(target.modelDir)
  const template = chooseTemplate(promptTemplateChoice(config), bundle)
  const renderer = new ChatRenderer(template, bundle.specialTokens, bundle.addBosToken)
  const maxLength = config?.data.max_length ?? DataConfig.parse({ train: file }).max_length
  const { rows, fileType } = await readRows(file)
  const mapping = multipleChoiceMapping(file, rows, fileType, config)
  const notes: string[] = []
  const questions = rows.map((row) => {
    const question = templatedQuestion(row, { file, mapping, renderer, bundle, maxLength, notes })
    return { line: row.line, answer: question.answer, choices: question.choices.map((e) => toEvalExample(e, target.spec)) }
  })
  return { questions, templateName: template.name, notes }
}

/**
 * Whether `eval --run --data FILE` ranks the file's rows: its rows look like multiple choice
 * (prompt, choices and answer columns), or the run itself trained on multiple-choice rows.
 */
export async function isMultipleChoiceFile(file: string, config: RunConfig | null): Promise<boolean> {
  if (config?.data.format === 'multiple_choice') return true
  return readable(async () => {
    const source = await inspectSource(file)
    const records: Record<string, unknown>[] = []
    const rows = sourceRows(source)
    try {
      for await (const row of rows) {
        if (!isRowError(row)) records.push(row.record)
        if (records.length >= SAMPLE_ROWS) break
      }
    } finally {
      await rows.return(undefined)
    }
    return detectFormat(records, source.fileType).format === 'multiple-choice'
  })
}

const SAMPLE_ROWS = 64

/** All rows of the file; one that cannot be read is an error naming its line. */
async function readRows(file: string): Promise<{ rows: SourceRow[]; fileType: FileType }> {
  const source = await readable(() => inspectSource(file))
  const rows: SourceRow[] = []
  await readable(async () => {
    for await (const row of sourceRows(source)) {
      if (isRowError(row)) throw new EvalDataError(formatProblem({ file, line: row.line, reason: row.reason }))
      rows.push(row)
    }
  })
  if (rows.length === 0) throw new EvalDataError(`${file}: no questions (expected rows of {"prompt","choices":[..],"answer"})`)
  return { rows, fileType: source.fileType }
}

/** A file that cannot be read at all (missing, empty, binary) is an eval data error, as eval reports it. */
async function readable<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (error) {
    if (error instanceof DatasetFileError) throw new EvalDataError(error.message)
    throw error
  }
}

/** Detected columns, with the run's data.mapping over them when it trained on multiple-choice rows. */
function multipleChoiceMapping(file: string, rows: readonly SourceRow[], fileType: FileType, config: RunConfig | null): ColumnMapping {
  const detection = detectFormat(rows.slice(0, SAMPLE_ROWS).map((r) => r.record), fileType)
  const overrides = config?.data.format === 'multiple_choice' ? config.data.mapping : {}
  try {
    return resolveMapping('multiple-choice', detection.columns, detection.format === 'multiple-choice' ? detection.mapping : {}, overrides)
  } catch (error) {
    if (error instanceof MappingError) {
      const fix = config?.data.format === 'multiple_choice' ? 'set data.mapping.$1 to the column that holds it' : 'name the columns prompt, choices and answer'
      throw new EvalDataError(`${file}: ${error.message.replace(/map it with --map (\S+)=COLUMN/, fix)}`)
    }
    throw error
  }
}

interface RenderContext {
  file: string
  mapping: ColumnMapping
  renderer: ChatRenderer
  bundle: TokenizerBundle
  maxLength: number
  notes: string[]
}

/** A row as one training example per choice (the choice's tokens trained), cut to max_length. */
function templatedQuestion(row: SourceRow, context: RenderContext): { answer: number; choices: TrainingExample[] } {
  const { file, mapping } = context
  const fail = (reason: string): never => {
    throw new EvalDataError(formatProblem({ file, line: row.line, reason }))
  }
  // normalizeRow checks the prompt and adds the system column, as the import does.
  const normalized = normalizeRow(row.record, { format: 'multiple-choice', mapping })
  if ('reason' in normalized) return fail(normalized.reason)
  if (normalized.example.kind !== 'chat') return fail('internal: a multiple-choice row did not become a conversation')
  const read = readMultipleChoice(row.record, { choices: mapping.choices, answer: mapping.answer })
  if (isMultipleChoiceFault(read)) return fail(read.reason)
  const promptTurns = normalized.example.messages.slice(0, -1)
  let choices: TrainingExample[]
  try {
    choices = read.choices.map((choice, i) => choiceExample(row.line, promptTurns, choice, i, context))
  } catch (error) {
    if (error instanceof TemplateError || error instanceof ChoiceError) return fail(error.message)
    throw error
  }
  return { answer: read.answer, choices: fitToMaxLength(row.line, choices, context) }
}

class ChoiceError extends Error {}

/**
 * The prompt turns and `choice` as the assistant's reply, rendered by training's renderExample;
 * the text is kept up to the end of the choice inside the reply (the template may put a separator
 * before it or trim it), so the end-of-turn marker after it is neither scored nor seen.
 */
function choiceExample(line: number, promptTurns: ChatMessage[], choice: string, index: number, context: RenderContext): TrainingExample {
  const rendered = renderExample(context.renderer, { kind: 'chat', messages: [...promptTurns, { role: 'assistant', content: choice }] }, false)
  const reply = rendered.spans.filter((s) => s.trained).at(-1)
  if (!reply) throw new ChoiceError(`choice ${index} renders to nothing through the ${context.renderer.chosen.name} template`)
  const replyText = rendered.text.slice(reply.start, reply.end)
  const end = choiceEnd(replyText, choice)
  if (end === null) {
    throw new ChoiceError(
      `the ${context.renderer.chosen.name} chat template changes choice ${index} (${JSON.stringify(choice)}) inside the reply (it renders ${JSON.stringify(replyText)}), ` +
        'so its tokens cannot be located',
    )
  }
  const text = rendered.text.slice(0, reply.start + end)
  const tokenized = tokenizeRendered(context.bundle.tokenizer, {
    text,
    spans: [
      { start: 0, end: reply.start, trained: false },
      { start: reply.start, end: text.length, trained: true },
    ],
  })
  if (!tokenized.trained.includes(1)) throw new ChoiceError(`choice ${index} (${JSON.stringify(choice)}) has no tokens to score`)
  if (!tokenized.trained.includes(0)) throw new ChoiceError(`the prompt renders to no tokens before choice ${index}; nothing predicts its first token`)
  return { line, inputIds: Int32Array.from(tokenized.inputIds), trained: tokenized.trained }
}

/** Where the choice's text ends inside the rendered reply: as written, else as the template trimmed it. */
function choiceEnd(reply: string, choice: string): number | null {
  if (reply.startsWith(choice)) return choice.length
  const trimmed = choice.trim()
  const at = reply.indexOf(trimmed)
  // Only a separator the template put before the reply (a space, a newline) may come first.
  if (at >= 0 && reply.slice(0, at).trim() === '') return at + trimmed.length
  return null
}

/**
 * Cuts the same number of prompt tokens (after a leading BOS, which the model always sees first) from every choice so the longest
 * fits max_length; a note names the line. A choice too long even for a one-token prompt is an error.
 */
function fitToMaxLength(line: number, choices: TrainingExample[], context: RenderContext): TrainingExample[] {
  const { maxLength, file } = context
  const over = Math.max(...choices.map((c) => c.inputIds.length - maxLength))
  if (over <= 0) return choices
  const bos = context.bundle.specialTokens.bos_token
  const bosId = bos === undefined ? null : (context.bundle.tokenizer.token_to_id(bos) ?? null)
  const longest = choices.reduce((best, c, i) => (c.inputIds.length > choices[best].inputIds.length ? i : best), 0)
  const promptLength = choices[longest].trained.indexOf(1)
  const keep = bosId !== null && choices[longest].inputIds[0] === bosId ? 1 : 0
  if (promptLength - keep - over < 1) {
    throw new EvalDataError(
      formatProblem({
        file,
        line,
        reason:
          `choice ${longest} has ${choices[longest].inputIds.length - promptLength} tokens, too long for max_length ${maxLength} with any prompt ` +
          `(the question needs ${maxLength + over} tokens); raise data.max_length or shorten the choice`,
      }),
    )
  }
  const cut = choices.map((c) => {
    const pick = <T extends Int32Array | Uint8Array>(a: T): T => {
      const out = a.slice(0, a.length - over) as T
      out.set(a.subarray(0, keep), 0)
      out.set(a.subarray(keep + over), keep)
      return out
    }
    return { line, inputIds: pick(c.inputIds), trained: pick(c.trained) }
  })
  context.notes.push(`${file}:${line}: the prompt was cut by its first ${over} tokens to fit max_length ${maxLength} (with its longest choice it has ${maxLength + over})`)
  return cut
}
