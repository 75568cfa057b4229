// An eval file is one kind of row: {"prompt","completion"}/{"text"} rows, scored for their loss;
// multiple-choice {"prompt","choices","answer"} rows, ranked; or open-ended {"prompt","answers"}
// rows, answered greedily and compared with the answers. The first row decides; a row of another
// kind is an error naming its line, since one summary cannot mix a loss, an accuracy and an F1.
import type { ModelSpec } from '../../engine/models/spec'
import type { ModelTokenizer } from '../tokenizer'
import { EvalDataError, readEvalRows, toExample, type EvalExample, type EvalRow } from './examples'
import { isMultipleChoiceRow, toMultipleChoiceQuestion, type MultipleChoiceQuestion } from './multiple-choice'
import { isOpenEndedRow, toOpenEndedQuestion, type OpenEndedQuestion } from './open-ended'

export type EvalData =
  | { kind: 'loss'; examples: EvalExample[] }
  | { kind: 'multiple-choice'; questions: MultipleChoiceQuestion[] }
  | { kind: 'open-ended'; questions: OpenEndedQuestion[] }

export type EvalRowKind = EvalData['kind']

const ROW_KINDS: Record<EvalRowKind, string> = {
  loss: 'a {"prompt","completion"} or {"text"} row',
  'multiple-choice': 'a multiple-choice row ({"prompt","choices","answer"})',
  'open-ended': 'an open-ended row ({"prompt","answers":[..]} or {"prompt","answer":"text"})',
}

/** Which kind a row is meant as (it may still be malformed; its reader says how). */
export function evalRowKind(row: unknown): EvalRowKind {
  // Open-ended first: a row with a text "answer" and no "choices" is a question to answer.
  if (isOpenEndedRow(row)) return 'open-ended'
  if (isMultipleChoiceRow(row)) return 'multiple-choice'
  return 'loss'
}

/** The file's rows and their one kind; a row of another kind than the first is an error naming both lines. */
export function readEvalRowsOfOneKind(file: string): { kind: EvalRowKind; rows: EvalRow[] } {
  const rows = readEvalRows(file)
  if (rows.length === 0) throw new EvalDataError(`${file}: no examples (expected JSONL rows of {"prompt","completion"}, {"text"}, {"prompt","choices","answer"} or {"prompt","answers"})`)
  const kind = evalRowKind(rows[0].row)
  const other = rows.find((r) => evalRowKind(r.row) !== kind)
  if (other) throw new EvalDataError(`${other.where}: ${ROW_KINDS[evalRowKind(other.row)]}, but line ${rows[0].line} is ${ROW_KINDS[kind]}: an eval file holds one kind of row`)
  return { kind, rows }
}

/** The file's rows as eval reads them without a template: prompts tokenized as they are, as plain eval does. */
export function readEvalData(file: string, tokenizer: ModelTokenizer, spec: ModelSpec): EvalData {
  const { kind, rows } = readEvalRowsOfOneKind(file)
  if (kind === 'multiple-choice') return { kind, questions: rows.map(({ row, where, line }) => toMultipleChoiceQuestion(row, where, line, tokenizer, spec)) }
  if (kind === 'open-ended') return { kind, questions: rows.map(({ row, where, line }) => toOpenEndedQuestion(row, where, line, (prompt) => tokenizer.encode(prompt, true))) }
  return { kind, examples: rows.map(({ row, where, line }) => toExample(row, where, line, tokenizer, spec)) }
}
