import { z } from 'zod'

// The Evaluate page's comparison (the paper's table): one model, the base model and several runs
// of it (each at its best or last checkpoint) as columns, several multiple-choice sets as rows,
// accuracy by rank classification in each cell. The store keeps the counts per cell; accuracy
// and its 95% Wilson interval are computed when read, so nothing shown was rounded before.

/** Which adapter of a run a column scores: the best checkpoint (the last one where none is marked) or the last. */
export const CheckpointPick = z.enum(['best', 'last'])
export type CheckpointPick = z.infer<typeof CheckpointPick>

export const EvaluationRunInput = z.object({ runId: z.string().min(1), checkpoint: CheckpointPick.default('best') }).strict()

/** A task (a row): a registered multiple-choice dataset, or a file of {"prompt","choices","answer"} rows. */
export const EvaluationSetInput = z
  .object({
    name: z.string().trim().min(1, 'give the task a name').max(100),
    datasetId: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
  })
  .strict()
  .refine((set) => (set.datasetId === undefined) !== (set.file === undefined), { message: 'give either datasetId or file', path: ['datasetId'] })

export const EvaluationsCreateInput = z
  .object({
    /** Default: the model's name and the date. */
    name: z.string().trim().min(1).max(200).optional(),
    /** A registered model's id, or a model folder. */
    model: z.string().min(1),
    runs: z.array(EvaluationRunInput).default([]),
    /** A column for the model without an adapter. */
    includeBase: z.boolean().default(true),
    sets: z.array(EvaluationSetInput).min(1, 'pick at least one evaluation set'),
    /** Rank choices by their per-token mean log-likelihood instead of the sum. */
    lengthNormalize: z.boolean().default(false),
  })
  .strict()
  .refine((input) => input.includeBase || input.runs.length > 0, { message: 'pick at least one run, or include the base model', path: ['runs'] })
  .refine((input) => new Set(input.sets.map((s) => s.name)).size === input.sets.length, { message: 'two evaluation sets have the same name: each row needs its own', path: ['sets'] })
  .refine((input) => new Set(input.runs.map((r) => `${r.runId}@${r.checkpoint}`)).size === input.runs.length, { message: 'the same run and checkpoint is picked twice', path: ['runs'] })
export type EvaluationsCreateInput = z.input<typeof EvaluationsCreateInput>

export const EvaluationStatus = z.enum(['running', 'completed', 'failed', 'cancelled'])
export type EvaluationStatus = z.infer<typeof EvaluationStatus>

/** A column of the table: the base model, or a run at a checkpoint (as it was when the evaluation ran). */
export const EvaluationColumn = z.object({
  /** 'base', or '<run id>@best' / '<run id>@last'. */
  key: z.string(),
  kind: z.enum(['base', 'run']),
  /** The column's header: "base", or the run's name with "(best)" / "(last)". */
  label: z.string(),
  runId: z.string().nullable(),
  runName: z.string().nullable(),
  checkpoint: CheckpointPick.nullable(),
  /** The adapter folder scored; null for base. */
  adapter: z.string().nullable(),
  /** Which adapter that is, in words: "final adapter", "checkpoint step-20", "best checkpoint step-20". */
  adapterLabel: z.string().nullable(),
})
export type EvaluationColumn = z.infer<typeof EvaluationColumn>

export const EvaluationSet = z.object({
  name: z.string(),
  datasetId: z.string().nullable(),
  /** The file scored (a dataset's own file when picked from the catalog). */
  file: z.string(),
})
export type EvaluationSet = z.infer<typeof EvaluationSet>

export const EvaluationModel = z.object({ id: z.string().nullable(), name: z.string(), path: z.string() })

/** What an evaluation scores, resolved when it was created (stored as its config). */
export const EvaluationConfig = z.object({
  model: EvaluationModel,
  columns: z.array(EvaluationColumn).min(1),
  sets: z.array(EvaluationSet).min(1),
  lengthNormalize: z.boolean(),
})
export type EvaluationConfig = z.infer<typeof EvaluationConfig>

export const EvaluationSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: EvaluationStatus,
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  model: EvaluationModel,
  columns: z.array(EvaluationColumn),
  /** The rows' names, in the order they were picked. */
  tasks: z.array(z.string()),
  lengthNormalize: z.boolean(),
  /** Cells scored so far, of columns × tasks. */
  cellsDone: z.number().int(),
  cellsTotal: z.number().int(),
})
export type EvaluationSummary = z.infer<typeof EvaluationSummary>

export const EvaluationCell = z.object({
  correct: z.number().int(),
  examples: z.number().int(),
  accuracy: z.number(),
  /** 95% Wilson score interval of the accuracy. */
  ci95: z.tuple([z.number(), z.number()]),
})
export type EvaluationCell = z.infer<typeof EvaluationCell>

export const EvaluationRow = z.object({
  task: z.string(),
  /** By column key; null where the cell is not scored (yet, or the evaluation stopped first). */
  cells: z.record(z.string(), EvaluationCell.nullable()),
  /** The keys of the columns with the highest accuracy (several on a tie for it); empty when every scored cell is equal (or only one is scored). */
  winners: z.array(z.string()),
})
export type EvaluationRow = z.infer<typeof EvaluationRow>

export const EvaluationDetail = EvaluationSummary.extend({
  sets: z.array(EvaluationSet),
  rows: z.array(EvaluationRow),
  /** The mean accuracy across tasks per column; null until the column has every task scored. */
  mean: z.record(z.string(), z.number().nullable()),
  /** The columns with the highest mean (several on a tie for it; none when every mean is equal). */
  meanWinners: z.array(z.string()),
})
export type EvaluationDetail = z.infer<typeof EvaluationDetail>

/** A recorded evaluation and the job process scoring it (null when it ran in the caller's process: the CLI). */
export const EvaluationStarted = z.object({ evaluation: EvaluationSummary, jobId: z.string().nullable() })
export type EvaluationStarted = z.infer<typeof EvaluationStarted>

export const EvaluationIdInput = z.object({ id: z.string().min(1) }).strict()

export const EvaluationsListInput = z
  .object({
    /** Only the evaluations with a column of this run. */
    runId: z.string().min(1).optional(),
  })
  .strict()

export const RunAccuraciesInput = z.object({ runIds: z.array(z.string().min(1)).min(1).max(50) }).strict()

/**
 * One run's accuracy on one task, for Compare: from the newest saved evaluation with a scored
 * cell for the run on that task, or from its during-training `accuracy.<task>` metric (final value).
 */
export const RunAccuracy = z.object({
  runId: z.string(),
  task: z.string(),
  source: z.enum(['evaluation', 'training']),
  accuracy: z.number(),
  /** Known for an evaluation's cell (counts are kept); null for a training metric. */
  ci95: z.tuple([z.number(), z.number()]).nullable(),
  examples: z.number().int().nullable(),
  /** Where it comes from, in words: "evaluation 'arc vs base', best checkpoint step-20" or "during training, step 40". */
  from: z.string(),
  evaluationId: z.string().nullable(),
})
export type RunAccuracy = z.infer<typeof RunAccuracy>

export const RunAccuracies = z.object({
  /** Every task any of the runs has an accuracy on, in first-seen order. */
  tasks: z.array(z.string()),
  accuracies: z.array(RunAccuracy),
})
export type RunAccuracies = z.infer<typeof RunAccuracies>
