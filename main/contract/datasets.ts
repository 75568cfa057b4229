import { z } from 'zod'

export const DatasetFileType = z.enum(['jsonl', 'json', 'csv', 'tsv', 'parquet', 'text'])
export const DatasetFormat = z.enum(['alpaca', 'chat', 'prompt-completion', 'multiple-choice', 'text'])
/** `auto`: the model's chat template if it has one, else the built-in chatml. */
export const TemplateChoice = z.enum(['auto', 'model', 'chatml', 'plain'])
/** Format field → column (for chat, `role`/`content` name the keys inside each message). */
export const ColumnMapping = z.record(z.string().min(1), z.string().min(1))

export const ValidationSplit = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z.object({ kind: z.literal('fraction'), fraction: z.number().gt(0).lt(1), seed: z.number().int().default(42) }).strict(),
  z.object({ kind: z.literal('count'), count: z.number().int().positive(), seed: z.number().int().default(42) }).strict(),
  /** A separate validation file, imported with the same options. */
  z.object({ kind: z.literal('file'), path: z.string().min(1) }).strict(),
])

/** How rows become examples and tokens; shared by import and preview. */
const DatasetSpecFields = {
  fileType: DatasetFileType.optional(),
  format: DatasetFormat.optional(),
  mapping: ColumnMapping.optional(),
  systemPrompt: z.string().optional(),
  /** A Hugging Face model folder: its tokenizer (and chat template) tokenise the examples. */
  model: z.string().min(1).optional(),
  template: TemplateChoice.default('auto'),
  maxLength: z.number().int().positive().optional(),
  trainOnPrompt: z.boolean().default(false),
}

export const DatasetsImportInput = z
  .object({
    path: z.string().min(1),
    name: z.string().min(1).optional(),
    ...DatasetSpecFields,
    /** What a bad row does: stop the import (nothing is stored) or be skipped and listed. */
    onError: z.enum(['skip', 'stop']).default('stop'),
    validation: ValidationSplit.default({ kind: 'none' }),
  })
  .strict()

export const DatasetsPreviewInput = z
  .object({
    /** A file not yet imported, or an imported dataset (its stored spec, overridable here). */
    path: z.string().min(1).optional(),
    datasetId: z.string().min(1).optional(),
    ...DatasetSpecFields,
    limit: z.number().int().positive().max(500).default(20),
  })
  .strict()
  .refine((input) => (input.path === undefined) !== (input.datasetId === undefined), {
    message: 'give either path or datasetId',
    path: ['path'],
  })

export const RowProblem = z.object({
  file: z.string(),
  line: z.number().int(),
  reason: z.string(),
  field: z.string().optional(),
})
export type RowProblem = z.infer<typeof RowProblem>

export const LengthStats = z.object({
  unit: z.enum(['tokens', 'characters']),
  count: z.number(),
  total: z.number(),
  min: z.number(),
  max: z.number(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  histogram: z.array(z.object({ binStart: z.number(), binEnd: z.number(), count: z.number() })),
})

export const DatasetImportReport = z.object({
  counts: z.object({
    rows: z.number().int(),
    examples: z.number().int(),
    skipped: z.number().int(),
    blankLines: z.number().int(),
    train: z.number().int(),
    validation: z.number().int(),
  }),
  detection: z.object({ format: DatasetFormat.nullable(), columns: z.array(z.string()), reason: z.string() }),
  template: z.object({ name: z.string(), hash: z.string() }),
  problems: z.array(RowProblem),
  problemsNotListed: z.number().int(),
  /** Every problem, one JSON object per line (the report lists the first ones). */
  problemsFile: z.string().nullable(),
  warnings: z.array(z.string()),
  stats: z.object({ characters: LengthStats, tokens: LengthStats.nullable(), trainedTokens: z.number().nullable() }),
  seconds: z.number(),
})

export const TokenCacheInfo = z.object({
  key: z.string(),
  tokenizerHash: z.string(),
  templateName: z.string(),
  maxLength: z.number().int().nullable(),
  trainOnPrompt: z.boolean(),
  path: z.string(),
  numExamples: z.number().int(),
  numTokens: z.number().int(),
  createdAt: z.string(),
})

export const DatasetSummary = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  fileType: z.string(),
  format: z.string(),
  numExamples: z.number().int(),
  numSkipped: z.number().int(),
  /** Examples trained on and held out; a separate validation file counts as held out. */
  numTrain: z.number().int(),
  numValidation: z.number().int(),
  /** The dataset imported from the separate validation file, when there is one. */
  validationDatasetId: z.string().nullable(),
  sizeBytes: z.number(),
  createdAt: z.string(),
})
export type DatasetSummary = z.infer<typeof DatasetSummary>

export const DatasetIdInput = z.object({ id: z.string().min(1) }).strict()
export const DatasetsRenameInput = z.object({ id: z.string().min(1), name: z.string().trim().min(1, 'a dataset needs a name') }).strict()
export const DatasetsFindImportedInput = z.object({ path: z.string().min(1) }).strict()

/** An imported dataset read from the same file, found by its path or by its content. */
export const ImportedAlready = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  samePath: z.boolean(),
  sameContent: z.boolean(),
})
export type ImportedAlready = z.infer<typeof ImportedAlready>

export const DatasetDetail = DatasetSummary.extend({
  /** Runs recorded with this dataset; each keeps its own tokenized copy in its run folder. */
  numRuns: z.number().int(),
  encoding: z.string(),
  contentHash: z.string(),
  mapping: ColumnMapping,
  options: z.record(z.string(), z.unknown()),
  report: DatasetImportReport,
  validationDatasetId: z.string().nullable(),
  caches: z.array(TokenCacheInfo),
})
export type DatasetDetail = z.infer<typeof DatasetDetail>

export const DatasetPreview = z.object({
  source: z.object({ path: z.string(), fileType: DatasetFileType, encoding: z.string(), sizeBytes: z.number() }),
  detection: z.object({ format: DatasetFormat.nullable(), mapping: ColumnMapping, columns: z.array(z.string()), reason: z.string() }),
  format: DatasetFormat.nullable(),
  mapping: ColumnMapping,
  mappingProblem: z.string().nullable(),
  template: z.object({ name: z.string(), hash: z.string() }),
  rows: z.array(
    z.object({
      line: z.number().int(),
      raw: z.record(z.string(), z.unknown()).nullable(),
      problem: z.string().nullable(),
      /** Rendered text; spans mark trained (completion) and masked (prompt) characters. */
      rendered: z
        .object({ text: z.string(), spans: z.array(z.object({ start: z.number(), end: z.number(), trained: z.boolean() })) })
        .nullable(),
      /** With a model: every token, masked or trained. */
      tokens: z.array(z.object({ id: z.number().int(), text: z.string(), trained: z.boolean() })).nullable(),
      boundaryMerges: z.number().int(),
      /** Multiple choice: the row's choices and the right one (rendered is the prompt and that choice). */
      choices: z.object({ texts: z.array(z.string()), answer: z.number().int() }).nullable().optional(),
    }),
  ),
  tokenLengths: LengthStats.nullable(),
})
export type DatasetPreview = z.infer<typeof DatasetPreview>
