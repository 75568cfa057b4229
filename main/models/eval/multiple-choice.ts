// Multiple-choice eval rows, {"prompt", "choices": [..], "answer"}: `answer` is a 0-based index
// into `choices` or the text of one of them. Each choice becomes one scored example, the prompt
// then the choice, tokenized as a {"prompt","completion"} row is but without EOS: rank
// classification compares how likely each choice's own tokens are, and EOS would add the same
// kind of term to every choice without saying which answer the model prefers.
import type { ModelSpec } from '../../engine/models/spec'
import type { ModelTokenizer } from '../tokenizer'
import { isMultipleChoiceFault, MULTIPLE_CHOICE_SHAPE, readMultipleChoice } from '../../data/multiple-choice'
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

/**
 * Whether a row is meant as multiple choice (it may still be malformed): it has "choices", or an
 * "answer" that is not text (an index) with no "answers", "completion" or "text". A text answer
 * without choices is an open-ended row (open-ended.ts); a {"prompt","completion"} row may carry an
 * "answer" of its own, which plain eval ignores.
 */
export function isMultipleChoiceRow(row: unknown): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false
  if ('choices' in row) return true
  return 'answer' in row && typeof row.answer !== 'string' && !('answers' in row) && !('completion' in row) && !('text' in row)
}

/**
 * The row's prompt, choices and answer index; a malformed row is an error naming file, line and
 * field. The choices and answer follow the dataset import's rules (main/data/multiple-choice.ts).
 */
export function parseMultipleChoiceRow(row: unknown, where: string): { prompt: string; choices: string[]; answer: number } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new EvalDataError(`${where}: a row must be a JSON object`)
  const record = row as Record<string, unknown>
  const prompt = field(record, 'prompt', where)
  if (prompt === null) throw new EvalDataError(`${where}: field "prompt" is missing (${MULTIPLE_CHOICE_SHAPE})`)
  const read = readMultipleChoice(record, { choices: 'choices', answer: 'answer' })
  if (isMultipleChoiceFault(read)) throw new EvalDataError(`${where}: ${read.reason}`)
  return { prompt, ...read }
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
