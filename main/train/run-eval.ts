// What `eval --run` scores: a run's own examples (or a file rendered exactly as its training
// renders data) and one of its adapters. Scoring raw prompt+completion with a run's adapter
// measures a text the adapter never saw (no chat template, other masking): a loss of 5.6 where
// the run's own eval said 2.0. Here the examples come from the run's token caches, or from the
// same import the run used (tokenizeRunFile), so the loss is the one training reports.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RunConfig } from '../contract/run-config'
import type { EvalExample } from '../models/eval/examples'
import type { ModelSpec } from '../engine/models/spec'
import type { RunRecord } from '../store'
import { nextTokenTargets, seq2seqParts, type TrainingExample } from './batches'
import { checkpointPath, listCheckpoints } from './checkpoint'
import { readRunTokens, runTokensFile, splitRunExamples, tokenizeRunFile } from './run-data'

/** A refusal of `eval --run` the user can act on (a run without validation, a missing step). */
export class RunEvalError extends Error {
  override name = 'RunEvalError'
}

/** Which adapter of a run to use: its best checkpoint, its last adapter, or the checkpoint of a step. */
export type CheckpointChoice = { kind: 'best' } | { kind: 'last' } | { kind: 'step'; step: number }

export interface RunAdapter {
  path: string
  /** For the summary: "final adapter", "checkpoint step-N", "best checkpoint step-N (by eval_loss)", or the last one and why no best. */
  label: string
  /** The step of a checkpoint, or null for the final adapter/. */
  step: number | null
}

/**
 * `best`: the checkpoint the run marked best on its watched metric (runs.best_step); a run
 * without one gets its last adapter, the label saying why. `last`: the final adapter/ of a
 * completed run, else its newest checkpoint (a run that stopped or is still training). A step:
 * checkpoints/step-N, which must exist.
 */
export function runAdapter(record: RunRecord, runDir: string, choice: CheckpointChoice): RunAdapter {
  const checkpointsDir = join(runDir, 'checkpoints')
  const checkpoints = listCheckpoints(checkpointsDir)
  const available = checkpoints.length > 0 ? `its checkpoints are at steps ${checkpoints.map((c) => c.step).join(', ')}` : 'it has no checkpoints'
  if (choice.kind === 'step') {
    if (!checkpoints.some((c) => c.step === choice.step)) throw new RunEvalError(`run ${record.id} has no checkpoint at step ${choice.step} (${checkpointPath(checkpointsDir, choice.step)}): ${available}`)
    return { path: checkpointPath(checkpointsDir, choice.step), label: `checkpoint step-${choice.step}`, step: choice.step }
  }
  if (choice.kind === 'best') {
    const best = record.bestStep
    if (best !== null && checkpoints.some((c) => c.step === best)) return { path: checkpointPath(checkpointsDir, best), label: `best checkpoint step-${best} (by ${watchedMetric(record)})`, step: best }
    const last = runAdapter(record, runDir, { kind: 'last' })
    const why = best !== null ? `its best checkpoint step-${best} is gone from ${checkpointsDir}` : noBestReason(record)
    return { ...last, label: `${last.label} (no best checkpoint: ${why})` }
  }
  const final = join(runDir, 'adapter')
  if (record.status === 'completed' && existsSync(final)) return { path: final, label: 'final adapter', step: null }
  const newest = checkpoints.at(-1)
  if (!newest) throw new RunEvalError(`run ${record.id} (${record.status}) has no adapter to score yet: no final adapter in ${final} and no checkpoint in ${checkpointsDir}`)
  return { path: newest.path, label: `checkpoint step-${newest.step}`, step: newest.step }
}

/** The metric a run's best checkpoint is chosen by (bestRule in best-metric.ts). */
function watchedMetric(record: RunRecord): string {
  const config = RunConfig.safeParse(record.config)
  return (config.success && config.data.train.early_stopping?.metric) || 'eval_loss'
}

/** Why a run marked no best checkpoint, in words for the label. */
function noBestReason(record: RunRecord): string {
  const config = RunConfig.safeParse(record.config)
  if (!config.success) return 'its configuration cannot be read'
  const { data, train } = config.data
  if (!train.early_stopping && !data.validation && data.split === null) return 'it has no validation data and no early stopping to choose one by'
  return `no evaluation after step 0 reported ${train.early_stopping?.metric ?? 'eval_loss'} yet`
}

export interface RunEvalData {
  examples: EvalExample[]
  /** The chat template that rendered them (the run's). */
  templateName: string
  /** Rows skipped while rendering --data, and why. */
  notes: string[]
}

/** The run's validation examples, as its training chose them (its validation file or held-out split). */
export async function runValidationExamples(record: RunRecord, runDir: string, spec: ModelSpec): Promise<RunEvalData> {
  const config = RunConfig.parse(record.config)
  if (!config.data.validation && config.data.split === null) {
    throw new RunEvalError(`run ${record.id} has no validation examples (its configuration sets neither data.validation nor data.split): score a file with --data FILE`)
  }
  // Read, never re-made: the source file may have changed since the run tokenized it.
  const file = runTokensFile(runDir, config.data.validation ? 'validation' : 'train')
  if (!existsSync(file)) throw new RunEvalError(`run ${record.id} has no tokenized data (${file} is missing): it never started training, or its folder was changed; score a file with --data FILE`)
  const { examples, templateName } = await readRunTokens(file)
  // The same held-out examples prepareRunData picked: the same split over the same cache.
  const validation = config.data.validation ? examples : splitRunExamples(config, examples).validation
  return { examples: validation.map((e) => toEvalExample(e, spec)), templateName, notes: [] }
}

/** `file` rendered, tokenized and masked exactly as the run's training renders its data. */
export async function runFileExamples(record: RunRecord, modelDir: string, file: string, spec: ModelSpec): Promise<RunEvalData> {
  const config = RunConfig.parse(record.config)
  const scratch = mkdtempSync(join(tmpdir(), 'ms-eval-run-'))
  try {
    const target = join(scratch, 'eval.tokens')
    try {
      const notes = await tokenizeRunFile(config, modelDir, file, target)
      const { examples, templateName } = await readRunTokens(target)
      return { examples: examples.map((e) => toEvalExample(e, spec)), templateName, notes }
    } catch (error) {
      // Errors about the file (format, mapping, no trained token; T5: a row without a prompt)
      // name it or its line and say what to change.
      const message = error instanceof Error ? error.message : String(error)
      throw new RunEvalError(message.includes(file) ? message : `${file}: ${message}`)
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

/**
 * A training example as eval scores it: the same scored positions as the run's batches
 * (nextTokenTargets; T5: seq2seqParts), so the token-mean NLL is the run's eval loss.
 */
export function toEvalExample(e: TrainingExample, spec: ModelSpec): EvalExample {
  if (spec.family === 't5') {
    const { encoder, target, targetMask } = seq2seqParts(e)
    return { line: e.line, ids: encoder, targets: target.map((t, i) => (targetMask[i] ? t : null)), decoderIds: [spec.decoderStartTokenId, ...target.slice(0, -1)] }
  }
  const { labels, mask } = nextTokenTargets(e)
  return { line: e.line, ids: Array.from(e.inputIds), targets: labels.map((t, i) => (mask[i] ? t : null)) }
}
