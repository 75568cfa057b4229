import type { CallInput, DatasetPreview, RowProblem } from '../../../main/contract'

export type WizardStep = 'file' | 'mapping' | 'validation' | 'preview' | 'split'
export const wizardSteps: readonly WizardStep[] = ['file', 'mapping', 'validation', 'preview', 'split']

export type SplitKind = 'none' | 'fraction' | 'count' | 'file'

/** Every split field the form keeps, so switching kinds does not lose what was typed. */
export interface SplitChoice {
  kind: SplitKind
  fraction: number
  count: number
  seed: number
  path: string
}

export type ImportInput = CallInput<'datasetsImport'>
export type DatasetFormat = NonNullable<DatasetPreview['format']>
export type TemplateChoice = NonNullable<ImportInput['template']>

/** The contract's split for the form's choice; an error message when the choice is not usable. */
export function splitInput(choice: SplitChoice): ImportInput['validation'] | string {
  switch (choice.kind) {
    case 'none':
      return { kind: 'none' }
    case 'fraction':
      if (!(choice.fraction > 0 && choice.fraction < 1)) return 'The validation share must be more than 0 % and less than 100 %.'
      return { kind: 'fraction', fraction: choice.fraction, seed: choice.seed }
    case 'count':
      if (!Number.isInteger(choice.count) || choice.count < 1) return 'The number of validation examples must be a whole number of at least 1.'
      return { kind: 'count', count: choice.count, seed: choice.seed }
    case 'file':
      if (!choice.path.trim()) return 'Give the path of the validation file.'
      return { kind: 'file', path: choice.path.trim() }
    default: {
      const unknown: never = choice.kind
      return `Unknown split ${String(unknown)}`
    }
  }
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
