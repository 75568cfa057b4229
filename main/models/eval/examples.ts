// Eval examples from a JSONL file: {"prompt", "completion"} rows (only the completion is scored)
// or {"text"} rows (every token after the first is scored). A small reader scoped to eval; the
// full format detection of training data lives in main/data.
import { readFileSync } from 'node:fs'
import type { ModelSpec } from '../../engine/models/spec'
import type { ModelTokenizer } from '../tokenizer'

/** One example as token ids and which positions are scored. */
export interface EvalExample {
  /** 1-based line in the file. */
  line: number
  /** Decoder-only: the whole sequence. T5: the encoder input. */
  ids: number[]
  /** Decoder-only: targets[t] is the token position t must predict, or null when t is not scored. T5: the decoder labels. */
  targets: (number | null)[]
  /** T5: decoder input ids (the start token, then the labels shifted right). */
  decoderIds?: number[]
}

export class EvalDataError extends Error {
  override name = 'EvalDataError'
}

/** Reads and tokenizes every row; a bad row is an error naming file, line and field. */
export function readEvalExamples(file: string, tokenizer: ModelTokenizer, spec: ModelSpec): EvalExample[] {
  const examples = readEvalRows(file).map(({ row, where, line }) => toExample(row, where, line, tokenizer, spec))
  if (examples.length === 0) throw new EvalDataError(`${file}: no examples (expected JSONL rows of {"prompt","completion"} or {"text"})`)
  return examples
}

/** One parsed JSONL row and where it came from. */
export interface EvalRow {
  row: unknown
  /** 1-based line in the file. */
  line: number
  /** "file:line", the prefix of every error about this row. */
  where: string
}

/** The file's non-blank lines parsed as JSON; a line that is not JSON is an error naming it. */
export function readEvalRows(file: string): EvalRow[] {
  let text: string
  try {
    text = readFileSync(file, 'utf-8')
  } catch (e) {
    throw new EvalDataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  const rows: EvalRow[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '') return
    const where = `${file}:${line}`
    try {
      rows.push({ row: JSON.parse(raw), line, where })
    } catch (e) {
      throw new EvalDataError(`${where}: not valid JSON (${(e as Error).message})`)
    }
  })
  return rows
}

export function field(row: Record<string, unknown>, name: string, where: string): string | null {
  if (!(name in row)) return null
  if (typeof row[name] !== 'string') throw new EvalDataError(`${where}: field "${name}" must be a string`)
  return row[name] as string
}

/** A {"prompt","completion"} or {"text"} row as a scored example. */
export function toExample(row: unknown, where: string, line: number, tokenizer: ModelTokenizer, spec: ModelSpec): EvalExample {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new EvalDataError(`${where}: a row must be a JSON object`)
  const record = row as Record<string, unknown>
  const prompt = field(record, 'prompt', where)
  const completion = field(record, 'completion', where)
  const text = field(record, 'text', where)
  if ((prompt === null) !== (completion === null)) throw new EvalDataError(`${where}: field "${prompt === null ? 'prompt' : 'completion'}" is missing (rows are {"prompt","completion"} or {"text"})`)
  if (prompt === null && text === null) throw new EvalDataError(`${where}: no "prompt"/"completion" and no "text" field`)
  if (spec.family === 't5' && prompt === null) throw new EvalDataError(`${where}: T5 is an encoder-decoder model: rows need "prompt" (encoder) and "completion" (decoder), not "text"`)
  if (prompt !== null) return promptCompletionExample(prompt, completion!, { endWithEos: true, what: 'the completion' }, where, line, tokenizer, spec)
  const ids = tokenizer.encode(text!, true)
  if (ids.length < 2) throw new EvalDataError(`${where}: "text" needs at least two tokens to score (it has ${ids.length})`)
  return { line, ids, targets: ids.map((_, t) => (t + 1 < ids.length ? ids[t + 1] : null)) }
}

/**
 * `completion` scored after `prompt`. Decoder-only: one sequence, the prompt's tokens then the
 * completion's, only the completion's scored. T5: the prompt is the encoder input and the
 * completion the decoder's labels. `endWithEos` also scores EOS after the completion (plain eval:
 * the model should learn to stop); rank classification scores a choice's own tokens only.
 */
export function promptCompletionExample(
  prompt: string,
  completion: string,
  { endWithEos, what }: { endWithEos: boolean; what: string },
  where: string,
  line: number,
  tokenizer: ModelTokenizer,
  spec: ModelSpec,
): EvalExample {
  if (spec.family === 't5') {
    const labels = tokenizer.encode(completion, endWithEos) // T5's post-processor appends </s>
    if (labels.length === 0) throw new EvalDataError(`${where}: ${what} has no tokens`)
    return { line, ids: tokenizer.encode(prompt, true), targets: labels, decoderIds: [spec.decoderStartTokenId, ...labels.slice(0, -1)] }
  }
  const eos = spec.tokens.eos[0] ?? tokenizer.specialTokenId('eos_token')
  const promptIds = tokenizer.encode(prompt, true)
  const completionIds = [...tokenizer.encode(completion, false), ...(endWithEos && eos !== null ? [eos] : [])]
  if (promptIds.length === 0) throw new EvalDataError(`${where}: the prompt has no tokens; nothing predicts ${what}'s first token`)
  const ids = [...promptIds, ...completionIds]
  return { line, ids, targets: ids.map((_, t) => (t + 1 >= promptIds.length && t + 1 < ids.length ? ids[t + 1] : null)) }
}
