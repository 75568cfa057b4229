// The New run form's problems in the user's words. The contract's schema speaks zod ("Too small:
// expected number to be >0") and the configuration file's names (data.split, train.max_steps),
// which is right for the CLI and a YAML file but not for a form whose fields have labels: here
// each issue becomes a sentence about the field as the form names it (field-labels.ts).
import { fieldLabel } from './field-labels'

/** The parts of a zod issue the wording needs (zod's own type is not exported to the renderer). */
export interface SchemaIssue {
  code: string
  message: string
  path: readonly PropertyKey[]
  minimum?: unknown
  maximum?: unknown
  inclusive?: boolean
  expected?: string
  values?: readonly unknown[]
}

/** The schema's own sentences (refinements) that name configuration keys, said with the form's labels. */
const REWORDED: [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^give either data\.validation or data\.split, not both/, () => 'Give a validation file or a number held out, not both.'],
  [/^a split of 1 or more is a count of examples/, () => 'From 1 up this is a number of examples, so it must be a whole number (below 1 it is a share, e.g. 0.05).'],
  [/^give either train\.max_steps or train\.epochs, not both/, () => 'Give Steps or Epochs, not both.'],
  [/^early stopping on eval_loss needs validation data/, () => 'Early stopping on the validation loss needs validation data: choose a validation file or hold examples out, or stop on an eval set\'s accuracy.'],
  [/^(\S+) names no eval set/, (m) => `${m[1]} names no multiple-choice set: add a set of that name under Evaluation, or stop on another metric.`],
  [/^top_k (\d+) exceeds experts (\d+)/, (m) => `Top-k ${m[1]} is more than the ${m[2]} experts: keep at most ${m[2]}, or leave it empty to mix all of them.`],
]

/** How zod's default messages begin (zod 4). */
const ZOD_DEFAULT = /^(Too small|Too big|Invalid input|Invalid option|Invalid number|Unrecognized key)/

function numberText(value: unknown): string {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : '?'
}

/** A schema issue of the field at `path` as one sentence that names the field by its label. */
export function issueInWords(issue: SchemaIssue, path: string): string {
  for (const [pattern, words] of REWORDED) {
    const match = issue.message.match(pattern)
    if (match) return words(match)
  }
  // A message the schema's author wrote ("give a model folder") is already in words; zod's own are not.
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message
  const label = fieldLabel(path).label
  switch (issue.code) {
    case 'too_small':
      return issue.inclusive === false ? `${label} must be more than ${numberText(issue.minimum)}.` : `${label} must be at least ${numberText(issue.minimum)}.`
    case 'too_big':
      return issue.inclusive === false ? `${label} must be less than ${numberText(issue.maximum)}.` : `${label} must be at most ${numberText(issue.maximum)}.`
    case 'invalid_type':
      if (issue.expected === 'int') return `${label} must be a whole number.`
      if (issue.message.endsWith('received null') || issue.message.endsWith('received undefined')) return `${label} needs a value.`
      return issue.expected === 'number' ? `${label} must be a number.` : `${label} is not valid here.`
    case 'not_multiple_of':
      return `${label} must be a whole number.`
    case 'invalid_value':
      return `${label} must be one of ${(issue.values ?? []).map(String).join(', ')}.`
    default:
      return issue.message
  }
}
