import type { CallInput, DatasetPreview, RowProblem } from '../../../main/contract'
import { splitLeavesFew, splitLeavesNothing, type SplitSpec } from '../../../main/data/split'

export type WizardStep = 'file' | 'mapping' | 'validation' | 'preview' | 'split'
export const wizardSteps: readonly WizardStep[] = ['file', 'mapping', 'validation', 'preview', 'split']

export type SplitKind = 'none' | 'fraction' | 'count' | 'file'

/** Every split field the form keeps, so switching kinds does not lose what was typed. */
export interface SplitChoice {
  kind: SplitKind
  fraction: number
  /** null: the suggested count, a tenth of the examples (see suggestedHeldOutCount). */
  count: number | null
  seed: number
  path: string
}

export type ImportInput = CallInput<'datasetsImport'>
export type DatasetFormat = NonNullable<DatasetPreview['format']>
export type TemplateChoice = NonNullable<ImportInput['template']>

/** The examples the wizard has read: `exact` when that was the whole file, else at least `seen`. */
export interface ExamplesSeen {
  seen: number
  exact: boolean
}

/**
 * How many examples "A number of examples" holds out until the user types one: a tenth of the
 * examples read, at least 1. (A fixed 100 held out 100 of a 120-row file and trained on 20.)
 */
export function suggestedHeldOutCount(examples: ExamplesSeen | null): number {
  return Math.max(1, Math.round((examples?.seen ?? 0) / 10))
}

/**
 * The contract's split for the form's choice; an error message when the choice is not usable,
 * including one that, on a file read to its end, would leave no example to train on.
 */
export function splitInput(choice: SplitChoice, examples: ExamplesSeen | null = null): ImportInput['validation'] | string {
  switch (choice.kind) {
    case 'none':
      return { kind: 'none' }
    case 'fraction':
      if (!(choice.fraction > 0 && choice.fraction < 1)) return 'The validation share must be more than 0 % and less than 100 %.'
      return leavesSomeToTrain({ kind: 'fraction', fraction: choice.fraction, seed: choice.seed }, examples)
    case 'count': {
      const count = choice.count ?? suggestedHeldOutCount(examples)
      if (!Number.isInteger(count) || count < 1) return 'The number of validation examples must be a whole number of at least 1.'
      return leavesSomeToTrain({ kind: 'count', count, seed: choice.seed }, examples)
    }
    case 'file':
      if (!choice.path.trim()) return 'Give the path of the validation file.'
      return { kind: 'file', path: choice.path.trim() }
    default: {
      const unknown: never = choice.kind
      return `Unknown split ${String(unknown)}`
    }
  }
}

function leavesSomeToTrain<T extends SplitSpec>(spec: T, examples: ExamplesSeen | null): T | string {
  return (examples?.exact ? splitLeavesNothing(spec, examples.seen) : null) ?? spec
}

/** A warning (not a refusal) when the split leaves very few of a file read to its end to train on. */
export function splitWarning(choice: SplitChoice, examples: ExamplesSeen | null): string | null {
  const spec = splitInput(choice, examples)
  if (typeof spec === 'string' || !spec || !examples?.exact || spec.kind === 'file' || spec.kind === 'none') return null
  return splitLeavesFew({ ...spec, seed: spec.seed ?? 0 }, examples.seen)
}

/** The bad rows among those a preview read, located as file:line like the import reports them. */
export function scanProblems(scan: DatasetPreview | null): RowProblem[] {
  if (!scan) return []
  return scan.rows
    .filter((row) => row.problem !== null)
    .map((row) => ({ file: scan.source.path, line: row.line, reason: row.problem as string }))
}

/** `/data/train.jsonl:12` — what editors and terminals open at the line. */
export function problemLocation(problem: Pick<RowProblem, 'file' | 'line'>): string {
  return `${problem.file}:${problem.line}`
}
