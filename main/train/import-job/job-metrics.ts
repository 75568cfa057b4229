// metrics.jsonl, the curve a torchrun job's train.py writes (/work/notes/torchrun-spec.md
// "Outputs"): a start line, a line per optimizer step, eval lines, a resume line each time the job
// continues from a checkpoint, and an end line once it is done. Read here into the metrics the app
// records for its own runs (run-training.ts stepMetrics), every line checked: a line that is not
// what train.py writes is refused with its line number and field, never skipped, since a curve
// with holes would pass for the job's. The one exception is a last line cut short (no newline
// after it): what a job killed mid-write leaves, and train.py itself drops on its resume.
import { routerMetricValues } from '../../contract/router-metrics'
import type { MetricSample } from '../../store'
import { ImportJobError } from './import-job-error'

/** The first line (`start`), and a `resume` line for each restart of the job: where (and on what) it trained. */
export interface JobStart {
  line: number
  event: 'start' | 'resume'
  jobId: string
  worldSize: number
  device: string
  /** nccl or gloo; null for one process (no process group). */
  backend: string | null
  precision: string
  torch: string
  hostname: string
  startedAt: Date
}

export interface JobStep {
  step: number
  loss: number
  lr: number
  gradNorm: number
  tokens: number
  auxLoss: number | null
  /** The step's wall time, when the line says it. */
  seconds: number | null
  /** fp16 jobs: the loss scale the step ran with. */
  lossScale: number | null
  /** Mixtures, at train.py's router steps (1, every 10th, the last): each routed site's load and entropy. */
  routers: { module: string; load: number[]; entropy: number }[] | null
}

export interface JobMetrics {
  /** Oldest first; a job resumed on the cluster starts again (another start line). */
  starts: JobStart[]
  /** By step; a step logged again (after a resume) replaces the earlier line, as the app's metrics do. */
  steps: JobStep[]
  evals: { step: number; evalLoss: number }[]
  /** The end line when it is the last line: the job trained to its end (or stopped early, saying why). */
  end: { step: number; completedAt: Date; stoppedEarly: string | null } | null
  /** The line number of a last line cut short by a kill (left out); null when there is none. */
  cutShort: number | null
}

type Line = Record<string, unknown>

/** Parses metrics.jsonl's text (`file` names it in errors). */
export function parseJobMetrics(text: string, file: string): JobMetrics {
  const starts: JobStart[] = []
  const steps = new Map<number, JobStep>()
  const evals = new Map<number, number>()
  let end: JobMetrics['end'] = null
  let seenLine = false
  let cutShort: number | null = null
  const lines = text.split('\n')
  lines.forEach((rawLine, index) => {
    const number = index + 1
    if (rawLine.trim() === '') return
    const unterminated = index === lines.length - 1
    if (unterminated && !isJson(rawLine)) {
      cutShort = number
      return
    }
    const line = parseLine(rawLine, file, number)
    const at = new LineFields(line, file, number)
    if (!seenLine && line.event !== 'start') throw new ImportJobError(`${file}:${number}: the first line must be the start line ({"event": "start", ...}) that train.py writes; this file does not come from a job's train.py`)
    seenLine = true
    // A job resumed after its end (or an end line with lines after it) is not at its end.
    end = null
    if ('event' in line) {
      const event = at.string('event')
      if (event === 'start' || event === 'resume') starts.push(startLine(at, number, event))
      else if (event === 'end') end = { step: at.step(1), completedAt: at.time('completed_at'), stoppedEarly: 'stopped_early' in line ? at.string('stopped_early') : null }
      else throw new ImportJobError(`${file}:${number}: field "event" is ${JSON.stringify(event)}; train.py writes "start", "resume" and "end"`)
    } else if ('eval_loss' in line) {
      evals.set(at.step(0), at.number('eval_loss'))
    } else if ('loss' in line) {
      const step = at.step(1)
      steps.set(step, {
        step,
        loss: at.number('loss'),
        lr: at.number('lr'),
        gradNorm: at.number('grad_norm'),
        tokens: at.count('tokens'),
        auxLoss: 'aux_loss' in line ? at.number('aux_loss') : null,
        seconds: 'seconds' in line ? at.nonNegative('seconds') : null,
        lossScale: 'loss_scale' in line ? at.nonNegative('loss_scale') : null,
        routers: 'routers' in line ? at.routers('routers') : null,
      })
    } else {
      throw new ImportJobError(`${file}:${number}: neither a step line (with "loss"), an eval line (with "eval_loss") nor an "event" line`)
    }
  })
  if (!seenLine) throw new ImportJobError(`${file} ${cutShort ? 'holds only a line cut short' : 'is empty'}: the job has not started (train.py writes its start line first)`)
  const sortedSteps = [...steps.values()].sort((a, b) => a.step - b.step)
  const finished = end as JobMetrics['end']
  const lastStep = sortedSteps.at(-1)?.step ?? 0
  if (finished && finished.step !== lastStep) {
    throw new ImportJobError(`${file}: the end line says step ${finished.step}, but the last step line is step ${lastStep}; the file was cut or edited`)
  }
  return { starts, steps: sortedSteps, evals: [...evals].sort((a, b) => a[0] - b[0]).map(([step, evalLoss]) => ({ step, evalLoss })), end: finished, cutShort }
}

/** The job's curve as the app records a run's (names as run-training.ts stepMetrics and onEval store them). */
export function jobMetricSamples(metrics: JobMetrics): MetricSample[] {
  const samples: MetricSample[] = []
  for (const s of metrics.steps) {
    samples.push(
      { name: 'loss', step: s.step, value: s.loss },
      { name: 'lr', step: s.step, value: s.lr },
      { name: 'grad_norm', step: s.step, value: s.gradNorm },
      { name: 'tokens', step: s.step, value: s.tokens },
    )
    if (s.seconds !== null && s.seconds > 0) samples.push({ name: 'tokens_per_s', step: s.step, value: s.tokens / s.seconds })
    if (s.auxLoss !== null) samples.push({ name: 'aux_loss', step: s.step, value: s.auxLoss })
    if (s.lossScale !== null) samples.push({ name: 'loss_scale', step: s.step, value: s.lossScale })
    for (const r of s.routers ?? []) samples.push(...routerMetricValues(r).map(({ name, value }) => ({ name, step: s.step, value })))
  }
  for (const e of metrics.evals) samples.push({ name: 'eval_loss', step: e.step, value: e.evalLoss })
  return samples
}

/** "cluster job (torchrun): 2 × CUDA, bf16, PyTorch 2.11.0 on node17": the run's trained-on. */
export function describeJobStart(start: JobStart): string {
  const device = start.device === 'cuda' ? 'CUDA' : start.device === 'cpu' ? 'CPU' : start.device
  return `cluster job (torchrun): ${start.worldSize} × ${device}, ${start.precision}, PyTorch ${start.torch} on ${start.hostname}`
}

function parseLine(text: string, file: string, number: number): Line {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    // Python's json writes a NaN or infinite float as a bare NaN / Infinity, which is not JSON.
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (it holds NaN or Infinity: the job diverged at this step)' : ''
    throw new ImportJobError(`${file}:${number}: not valid JSON${hint} (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ImportJobError(`${file}:${number}: not a JSON object`)
  return value as Line
}

function startLine(at: LineFields, number: number, event: JobStart['event']): JobStart {
  return {
    line: number,
    event,
    jobId: at.string('job_id'),
    worldSize: at.count('world_size', 1),
    device: at.string('device'),
    backend: at.stringOrNull('backend'),
    precision: at.string('precision'),
    torch: at.string('torch'),
    hostname: at.string('hostname'),
    startedAt: at.time(event === 'start' ? 'started_at' : 'resumed_at'),
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** One line's fields, each read with the error that names the file, line and field. */
class LineFields {
  constructor(
    private readonly line: Line,
    private readonly file: string,
    private readonly lineNumber: number,
  ) {}

  private wrong(field: string, wanted: string): ImportJobError {
    const value = this.line[field]
    return new ImportJobError(`${this.file}:${this.lineNumber}: field "${field}" ${value === undefined ? 'is missing' : `is ${JSON.stringify(value)}`}; it must be ${wanted}`)
  }

  number(field: string): number {
    const value = this.line[field]
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.wrong(field, 'a finite number')
    return value
  }

  nonNegative(field: string): number {
    const value = this.number(field)
    if (value < 0) throw this.wrong(field, 'a number from 0')
    return value
  }

  /** [{"module", "load": [numbers], "entropy"}, ...]: train.py's router statistics. */
  routers(field: string): { module: string; load: number[]; entropy: number }[] {
    const value = this.line[field]
    const wanted = 'a list of {"module": text, "load": [numbers], "entropy": number}'
    if (!Array.isArray(value)) throw this.wrong(field, wanted)
    return value.map((r: unknown) => {
      const site = r as { module?: unknown; load?: unknown; entropy?: unknown }
      const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
      if (typeof site !== 'object' || site === null || typeof site.module !== 'string' || !Array.isArray(site.load) || !site.load.every(finite) || !finite(site.entropy)) throw this.wrong(field, wanted)
      return { module: site.module, load: site.load as number[], entropy: site.entropy as number }
    })
  }

  count(field: string, min = 0): number {
    const value = this.line[field]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw this.wrong(field, `a whole number from ${min}`)
    return value
  }

  step(min: number): number {
    return this.count('step', min)
  }

  string(field: string): string {
    const value = this.line[field]
    if (typeof value !== 'string' || value === '') throw this.wrong(field, 'a non-empty string')
    return value
  }

  stringOrNull(field: string): string | null {
    return this.line[field] === null ? null : this.string(field)
  }

  time(field: string): Date {
    const value = this.string(field)
    const time = new Date(value)
    if (Number.isNaN(time.getTime())) throw this.wrong(field, 'an ISO time (2026-12-05T10:00:00Z)')
    return time
  }
}
