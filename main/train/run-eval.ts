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
import type { ModelSpec } from '../models/config'
import type { RunRecord } from '../store'
import { nextTokenTargets, seq2seqParts, type TrainingExample } from './batches'
import { checkpointPath, listCheckpoints } from './checkpoint'
import { readRunTokens, splitRunExamples, tokenizeRunFile } from './run-data'

/** A refusal of `eval --run` the user can act on (a run without validation, a missing step). */
export class RunEvalError extends Error {
  override name = 'RunEvalError'
}

/** Which adapter of a run to score: its last one, or the checkpoint of a step. */
export type CheckpointChoice = { kind: 'last' } | { kind: 'step'; step: number }

export interface RunAdapter {
  path: string
  /** For the summary: "final adapter" or "checkpoint step-N". */
  label: string
}

/**
 * `last`: the final adapter/ of a completed run, else its newest checkpoint (a run that stopped
 * or is still training); a step: checkpoints/step-N, which must exist.
 */
export function runAdapter(record: RunRecord, runDir: string, choice: CheckpointChoice): RunAdapter {
  const checkpointsDir = join(runDir, 'checkpoints')
  const checkpoints = listCheckpoints(checkpointsDir)
  const available = checkpoints.length > 0 ? `its checkpoints are at steps ${checkpoints.map((c) => c.step).join(', ')}` : 'it has no checkpoints'
  if (choice.kind === 'step') {
    if (!checkpoints.some((c) => c.step === choice.step)) throw new RunEvalError(`run ${record.id} has no checkpoint at step ${choice.step} (${checkpointPath(checkpointsDir, choice.step)}): ${available}`)
    return { path: checkpointPath(checkpointsDir, choice.step), label: `checkpoint step-${choice.step}` }
  }
  const final = join(runDir, 'adapter')
  if (record.status === 'completed' && existsSync(final)) return { path: final, label: 'final adapter' }
  const newest = checkpoints.at(-1)
  if (!newest) throw new RunEvalError(`run ${record.id} (${record.status}) has no adapter to score yet: no final adapter in ${final} and no checkpoint in ${checkpointsDir}`)
  return { path: newest.path, label: `checkpoint step-${newest.step}` }
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
  const dataDir = join(runDir, 'data')
  if (!config.data.validation && config.data.split === null) {
    throw new RunEvalError(`run ${record.id} has no validation examples (its configuration sets neither data.validation nor data.split): score a file with --data FILE`)
  }
  // Read, never re-made: the source file may have changed since the run tokenized it.
  const file = join(dataDir, config.data.validation ? 'validation.tokens' : 'train.tokens')
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
