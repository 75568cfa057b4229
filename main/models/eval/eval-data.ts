// An eval file is one kind of row: {"prompt","completion"}/{"text"} rows, scored for their loss,
// or multiple-choice {"prompt","choices","answer"} rows, ranked. The first row decides; a row of
// the other kind is an error naming its line, since one summary cannot mix a loss and an accuracy.
import type { ModelSpec } from '../config'
import type { ModelTokenizer } from '../tokenizer'
import { EvalDataError, readEvalRows, toExample, type EvalExample } from './examples'
import { isMultipleChoiceRow, toMultipleChoiceQuestion, type MultipleChoiceQuestion } from './multiple-choice'

export type EvalData = { kind: 'loss'; examples: EvalExample[] } | { kind: 'multiple-choice'; questions: MultipleChoiceQuestion[] }

export function readEvalData(file: string, tokenizer: ModelTokenizer, spec: ModelSpec): EvalData {
  const rows = readEvalRows(file)
  if (rows.length === 0) throw new EvalDataError(`${file}: no examples (expected JSONL rows of {"prompt","completion"}, {"text"} or {"prompt","choices","answer"})`)
  const multipleChoice = isMultipleChoiceRow(rows[0].row)
  const other = rows.find((r) => isMultipleChoiceRow(r.row) !== multipleChoice)
  if (other) {
    const choice = 'a multiple-choice row ({"prompt","choices","answer"})'
    const plain = 'a {"prompt","completion"} or {"text"} row'
    const [first, then] = multipleChoice ? [choice, plain] : [plain, choice]
    throw new EvalDataError(`${other.where}: ${then}, but line ${rows[0].line} is ${first}: an eval file holds one kind of row`)
  }
  if (multipleChoice) return { kind: 'multiple-choice', questions: rows.map(({ row, where, line }) => toMultipleChoiceQuestion(row, where, line, tokenizer, spec)) }
  return { kind: 'loss', examples: rows.map(({ row, where, line }) => toExample(row, where, line, tokenizer, spec)) }
}
