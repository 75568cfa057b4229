// Open-ended eval rows, {"prompt", "answers": [..]} or {"prompt", "answer": "text"}: the model
// answers the prompt greedily and its answer is compared with the gold ones by SQuAD's exact match
// and token F1 (squad-normalize.ts). How the prompt becomes token ids is the caller's: raw, as
// plain eval tokenizes a prompt, or through a run's chat template (main/train/run-prompts.ts).
import { EvalDataError, field } from './examples'

/** One question: its prompt's token ids and the answers that count as right. */
export interface OpenEndedQuestion {
  /** 1-based line in the file. */
  line: number
  prompt: string
  /** What the model is given: decoder-only, the text it continues; T5, the encoder input. */
  promptIds: number[]
  /** At least one. */
  answers: string[]
}

const SHAPE = 'open-ended rows are {"prompt","answers":[..]} or {"prompt","answer":"text"}'

/**
 * Whether a row is meant as open-ended (it may still be malformed): it has "answers", or an
 * "answer" that is text, and no "choices" (multiple choice) and no "completion"/"text" (a row
 * scored for its loss may carry an answer of its own, which plain eval ignores).
 */
export function isOpenEndedRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false
  if ('choices' in row || 'completion' in row || 'text' in row) return false
  return 'answers' in row || ('answer' in row && typeof row.answer === 'string')
}

/** The row's prompt and gold answers; a malformed row is an error naming file, line and field. */
export function parseOpenEndedRow(row: unknown, where: string): { prompt: string; answers: string[] } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new EvalDataError(`${where}: a row must be a JSON object`)
  const record = row as Record<string, unknown>
  const prompt = field(record, 'prompt', where)
  if (prompt === null) throw new EvalDataError(`${where}: field "prompt" is missing (${SHAPE})`)
  if ('answers' in record && 'answer' in record) throw new EvalDataError(`${where}: give "answers" (a list) or "answer" (one text), not both`)
  const answers = 'answers' in record ? record.answers : [record.answer]
  if (!Array.isArray(answers)) throw new EvalDataError(`${where}: field "answers" must be an array of strings, not ${JSON.stringify(answers)}`)
  if (answers.length === 0) throw new EvalDataError(`${where}: field "answers" is empty; give at least one right answer`)
  const notText = answers.findIndex((a) => typeof a !== 'string')
  if (notText >= 0) throw new EvalDataError(`${where}: answer ${notText} (0-based) must be a string, not ${JSON.stringify(answers[notText])}`)
  // A blank gold answer would count an empty reply as right: almost surely a hole in the data.
  const blank = answers.findIndex((a) => (a as string).trim() === '')
  if (blank >= 0) throw new EvalDataError(`${where}: ${'answers' in record ? `answer ${blank} (0-based)` : 'field "answer"'} is blank; give the text of a right answer`)
  return { prompt, answers: answers as string[] }
}

/** A parsed question with its prompt tokenized by `promptIds`; a prompt with no token is an error naming the line. */
export function toOpenEndedQuestion(row: unknown, where: string, line: number, promptIds: (prompt: string) => number[]): OpenEndedQuestion {
  const { prompt, answers } = parseOpenEndedRow(row, where)
  const ids = promptIds(prompt)
  if (ids.length === 0) throw new EvalDataError(`${where}: the prompt has no tokens; nothing to answer`)
  return { line, prompt, promptIds: ids, answers }
}
