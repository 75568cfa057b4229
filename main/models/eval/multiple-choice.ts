// Multiple-choice eval rows, {"prompt", "choices": [..], "answer"}: `answer` is a 0-based index
// into `choices` or the text of one of them. Each choice becomes one scored example, the prompt
// then the choice, tokenized as a {"prompt","completion"} row is but without EOS: rank
// classification compares how likely each choice's own tokens are, and EOS would add the same
// kind of term to every choice without saying which answer the model prefers.
import type { ModelSpec } from '../config'
import type { ModelTokenizer } from '../tokenizer'
import { EvalDataError, field, promptCompletionExample, type EvalExample } from './examples'

/** One question: an example per choice and the index of the right one. */
export interface MultipleChoiceQuestion {
  /** 1-based line in the file. */
  line: number
  /** choices[i] scores choice i after the prompt. */
  choices: EvalExample[]
  /** 0-based index of the right choice. */
  answer: number
}

const SHAPE = 'multiple-choice rows are {"prompt","choices":[..],"answer"}'

/**
 * Whether a row is meant as multiple choice (it may still be malformed): it has "choices", or an
 * "answer" with no "completion"/"text" (a {"prompt","completion"} row may carry an "answer" of its
 * own, which plain eval ignores).
 */
export function isMultipleChoiceRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false
  return 'choices' in row || ('answer' in row && !('completion' in row) && !('text' in row))
}

/** The row's prompt, choices and answer index; a malformed row is an error naming file, line and field. */
export function parseMultipleChoiceRow(row: unknown, where: string): { prompt: string; choices: string[]; answer: number } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new EvalDataError(`${where}: a row must be a JSON object`)
  const record = row as Record<string, unknown>
  const prompt = field(record, 'prompt', where)
  if (prompt === null) throw new EvalDataError(`${where}: field "prompt" is missing (${SHAPE})`)
  if (!('choices' in record)) throw new EvalDataError(`${where}: field "choices" is missing (${SHAPE})`)
  const choices = record.choices
  if (!Array.isArray(choices)) throw new EvalDataError(`${where}: field "choices" must be an array of strings`)
  const notText = choices.findIndex((c) => typeof c !== 'string')
  if (notText >= 0) throw new EvalDataError(`${where}: choice ${notText} (0-based) must be a string, not ${JSON.stringify(choices[notText])}`)
  if (choices.length < 2) throw new EvalDataError(`${where}: field "choices" has ${choices.length} choice${choices.length === 1 ? '' : 's'}; a multiple-choice row needs at least 2`)
  if (!('answer' in record)) throw new EvalDataError(`${where}: field "answer" is missing (${SHAPE})`)
  return { prompt, choices: choices as string[], answer: answerIndex(record.answer, choices as string[], where) }
}

/** `answer` as an index: a 0-based integer in range, or a choice's text (the first choice with that text). */
function answerIndex(answer: unknown, choices: readonly string[], where: string): number {
  if (typeof answer === 'number') {
    if (Number.isInteger(answer) && answer >= 0 && answer < choices.length) return answer
    throw new EvalDataError(`${where}: answer ${answer} is not among the choices: give a 0-based index from 0 to ${choices.length - 1}, or the choice's text`)
  }
  if (typeof answer === 'string') {
    const index = choices.indexOf(answer)
    if (index >= 0) return index
    throw new EvalDataError(`${where}: answer ${JSON.stringify(answer)} is not among the choices ${JSON.stringify(choices)}: give one of them exactly, or its 0-based index`)
  }
  throw new EvalDataError(`${where}: field "answer" must be a 0-based choice index or the text of a choice, not ${JSON.stringify(answer)}`)
}

/** A parsed, tokenized question; a choice with no token to score is an error naming it. */
export function toMultipleChoiceQuestion(row: unknown, where: string, line: number, tokenizer: ModelTokenizer, spec: ModelSpec): MultipleChoiceQuestion {
  const { prompt, choices, answer } = parseMultipleChoiceRow(row, where)
  const examples = choices.map((choice, i) => {
    const example = promptCompletionExample(prompt, choice, { endWithEos: false, what: `choice ${i}` }, where, line, tokenizer, spec)
    if (!example.targets.some((t) => t !== null)) throw new EvalDataError(`${where}: choice ${i} (${JSON.stringify(choice)}) has no tokens to score`)
    return example
  })
  return { line, choices: examples, answer }
}
