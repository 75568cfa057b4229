// job.json of a torchrun job folder (/work/notes/torchrun-spec.md, written by `export --format
// torchrun`): what the import needs of it, checked field by field. The run configuration is checked
// with the schema every run configuration goes through; the adapter's tensors (`parameters`) are
// what every checkpoint and the final adapter must hold exactly.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { RunConfig } from '../../contract'
import type { ExpectedAdapterTensor } from '../adapter-tensor-checks'
import { ImportJobError } from './import-job-error'

export const JOB_FILE = 'job.json'
export const JOB_FORMAT = 'mixture-studio-torchrun'
export const JOB_VERSION = 1

export interface JobFile {
  path: string
  /** One job, imported once. */
  jobId: string
  config: RunConfig
  /** The adapter's tensors, native names and shapes, in order. */
  parameters: ExpectedAdapterTensor[]
  /** The run it was exported from; null for a job made from a configuration file. */
  run: { id: string; name: string } | null
  /** train.total_steps: the steps the job trains (the app's count, epochs included). */
  totalSteps: number | null
}

const JobFields = z.object({
  job_id: z.string().min(1),
  config: z.unknown(),
  parameters: z
    .array(z.object({ name: z.string().min(1), shape: z.array(z.number().int().min(1)) }))
    .min(1, 'lists no adapter tensor'),
  run: z.object({ id: z.string(), name: z.string() }).nullable().default(null),
  train: z.object({ total_steps: z.number().int().min(1) }).partial().passthrough().default({}),
})

/** Reads and checks `path` (a job folder's job.json); throws an ImportJobError naming the field. */
export function readJobFile(path: string): JobFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT'
    throw new ImportJobError(
      missing ? `${path} does not exist: give the folder \`mixture-studio export RUN --format torchrun\` wrote (it holds job.json)` : `${path}: cannot be read (${(error as Error).message})`,
      missing ? 'not_found' : 'invalid',
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ImportJobError(`${path}: not valid JSON (${(error as Error).message})`)
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ImportJobError(`${path}: not a JSON object`)
  checkFormat(path, raw as Record<string, unknown>)
  const fields = JobFields.safeParse(raw)
  if (!fields.success) throw new ImportJobError(`${path}: ${issuesText(fields.error, '')}`)
  const config = RunConfig.safeParse(fields.data.config)
  if (!config.success) throw new ImportJobError(`${path}: "config" is not a run configuration this Mixture Studio reads: ${issuesText(config.error, 'config.')}`)
  const names = new Set<string>()
  for (const [i, p] of fields.data.parameters.entries()) {
    if (names.has(p.name)) throw new ImportJobError(`${path}: parameters.${i}: tensor "${p.name}" is listed twice`)
    names.add(p.name)
  }
  return {
    path,
    jobId: fields.data.job_id,
    config: config.data,
    parameters: fields.data.parameters,
    run: fields.data.run,
    totalSteps: fields.data.train.total_steps ?? null,
  }
}

function checkFormat(path: string, raw: Record<string, unknown>): void {
  if (raw.format !== JOB_FORMAT) {
    throw new ImportJobError(`${path}: "format" is ${JSON.stringify(raw.format)}, expected "${JOB_FORMAT}": this is not a job folder that \`mixture-studio export --format torchrun\` wrote`)
  }
  if (typeof raw.version !== 'number' || !Number.isInteger(raw.version) || raw.version < 1) {
    throw new ImportJobError(`${path}: "version" is ${JSON.stringify(raw.version)}; a job folder's version is a whole number from 1`)
  }
  if (raw.version > JOB_VERSION) {
    throw new ImportJobError(`${path}: job folder version ${raw.version} is newer than this Mixture Studio reads (${JOB_VERSION}); update the app to import it`)
  }
}

function issuesText(error: z.ZodError, prefix: string): string {
  return error.issues.map((issue) => `${prefix}${issue.path.map(String).join('.') || '(whole)'}: ${issue.message}`).join('; ')
}
