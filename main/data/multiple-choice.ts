// The rules of a multiple-choice row, {"prompt", "choices": [..], "answer"}, in one place: the
// dataset import (any file type, mapped columns) and eval's JSONL reader both check rows with
// them, so a row one accepts the other accepts too, with the same words for what is wrong.
import { asJsonList } from './detect-format'

/** A checked row's choices and the 0-based index of the right one. */
export interface MultipleChoiceAnswer {
  choices: string[]
  answer: number
}

/** What is wrong with a row, and the field it is about (for the problems list). */
export interface MultipleChoiceFault {
  reason: string
  field: 'choices' | 'answer'
}

/** The columns that hold a row's choices and answer (eval's JSONL: "choices" and "answer"). */
export interface MultipleChoiceColumns {
  choices: string
  answer: string
}

export const MULTIPLE_CHOICE_SHAPE = 'multiple-choice rows are {"prompt","choices":[..],"answer"}'

/**
 * The row's choices (an array of at least 2 non-empty strings; CSV and Parquet string columns may
 * hold it as JSON text) and its answer (a 0-based index in range, or the text of a choice: the
 * first choice with that text), or the first thing wrong with them.
 */
export function readMultipleChoice(record: Record<string, unknown>, columns: MultipleChoiceColumns): MultipleChoiceAnswer | MultipleChoiceFault {
  const name = (field: keyof MultipleChoiceColumns) => (columns[field] === field ? `field "${field}"` : `field "${field}" (column "${columns[field]}")`)
  const raw = record[columns.choices]
  if (raw === undefined) return { reason: `${name('choices')} is missing (${MULTIPLE_CHOICE_SHAPE})`, field: 'choices' }
  const choices = asJsonList(raw)
  if (!choices) return { reason: `${name('choices')} must be an array of strings${typeof raw === 'string' ? ' (in CSV, JSON text such as ["yes","no"])' : ''}`, field: 'choices' }
  const notText = choices.findIndex((c) => typeof c !== 'string')
  if (notText >= 0) return { reason: `choice ${notText} (0-based) must be a string, not ${JSON.stringify(choices[notText])}`, field: 'choices' }
  if (choices.length < 2) return { reason: `${name('choices')} has ${choices.length} choice${choices.length === 1 ? '' : 's'}; a multiple-choice row needs at least 2`, field: 'choices' }
  const empty = choices.findIndex((c) => c === '')
  if (empty >= 0) return { reason: `choice ${empty} (0-based) is empty: every choice needs text to score`, field: 'choices' }
  if (!(columns.answer in record) || record[columns.answer] === undefined) return { reason: `${name('answer')} is missing (${MULTIPLE_CHOICE_SHAPE})`, field: 'answer' }
  return answerIndex(record[columns.answer], choices as string[], name('answer'))
}

export function isMultipleChoiceFault(result: MultipleChoiceAnswer | MultipleChoiceFault): result is MultipleChoiceFault {
  return 'reason' in result
}

/** `answer` as an index; CSV gives every cell as text, so digits that name no choice's text are an index. */
function answerIndex(answer: unknown, choices: string[], name: string): MultipleChoiceAnswer | MultipleChoiceFault {
  if (typeof answer === 'string') {
    const index = choices.indexOf(answer)
    if (index >= 0) return { choices, answer: index }
    if (!/^\d+$/.test(answer.trim())) {
      return { reason: `answer ${JSON.stringify(answer)} is not among the choices ${JSON.stringify(choices)}: give one of them exactly, or its 0-based index`, field: 'answer' }
    }
    answer = Number(answer.trim())
  }
  if (typeof answer === 'number' || typeof answer === 'bigint') {
    const index = Number(answer)
    if (Number.isInteger(index) && index >= 0 && index < choices.length) return { choices, answer: index }
    return { reason: `answer ${index} is not among the choices: give a 0-based index from 0 to ${choices.length - 1}, or the choice's text`, field: 'answer' }
  }
  return { reason: `${name} must be a 0-based choice index or the text of a choice, not ${JSON.stringify(answer)}`, field: 'answer' }
}
