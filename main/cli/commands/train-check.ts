// `train --config F --check [--measure]`: what New run's Cost panel and checks say, for a
// configuration, before anything trains: the checks Start would refuse (and the memory warning),
// the trainable parameters, the memory by term, and the time, timed here with --measure. Creates
// no run, so "will a 4-bit base with checkpointing fit this machine?" is one command.
import { formatBytes } from '../../contract/format-bytes'
import type { RunChecks, RunConfig, RunEstimate, StepTiming } from '../../contract'
import { callService } from '../call-service'
import { EXIT_FAILURE, EXIT_OK, type CliContext } from '../command'
import { formatSeconds } from '../format-seconds'

const TIME_BASIS: Record<RunEstimate['time']['basis'], string> = {
  'measured-step': 'timed on this machine',
  measured: 'from the speed of an earlier run of this model',
  nominal: 'a guess from the model size; --measure times it here',
}

export async function checkRunConfig(context: CliContext, file: string, config: RunConfig, options: { measure: boolean; json: boolean }): Promise<number> {
  const { json } = options
  const checks = (await callService(context, 'runsCheck', { config }, json)) as RunChecks | null
  if (!checks) return EXIT_FAILURE
  const refusals = checks.problems.filter((p) => p.severity === 'refusal')
  let timing: StepTiming | null = null
  // Timing trains a few steps: only a configuration that would start.
  if (options.measure && refusals.length === 0) {
    if (!json) context.stderr('timing a few steps on this machine…\n')
    timing = (await callService(context, 'runsMeasureStep', { config }, json)) as StepTiming | null
    if (!timing) return EXIT_FAILURE
  }
  const estimate = (await callService(context, 'runsEstimate', { config }, json)) as RunEstimate | null
  if (!estimate) return EXIT_FAILURE
  if (json) {
    context.stdout(`${JSON.stringify({ type: 'check', file, would_start: refusals.length === 0, problems: checks.problems, estimate, timing })}\n`)
  } else {
    context.stdout(`${describeCheck(file, checks, estimate, timing).join('\n')}\n`)
  }
  return refusals.length === 0 ? EXIT_OK : EXIT_FAILURE
}

function describeCheck(file: string, checks: RunChecks, estimate: RunEstimate, timing: StepTiming | null): string[] {
  const refusals = checks.problems.filter((p) => p.severity === 'refusal')
  const warnings = checks.problems.filter((p) => p.severity === 'warning')
  const frozen = estimate.frozenWeights
  const width = Math.max(...estimate.memory.terms.map((t) => t.label.length))
  return [
    refusals.length === 0 ? `${file}: would start (no run was created)` : `${file}: would not start, ${refusals.length} problem${refusals.length === 1 ? '' : 's'} (no run was created)`,
    ...refusals.map((p) => `  refused  ${p.path}: ${p.message}`),
    ...warnings.map((p) => `  warning  ${p.path}: ${p.message}`),
    `trainable    ${estimate.trainableParameters.toLocaleString('en-US')} parameters (${estimate.trainablePercent.toFixed(3)}% of ${estimate.baseParameters.toLocaleString('en-US')}) at ${estimate.sites} sites`,
    `memory       about ${formatBytes(estimate.memory.totalBytes)}`,
    ...estimate.memory.terms.map((t) => `  ${t.label.padEnd(width)}  ${formatBytes(t.bytes).padStart(10)}  = ${t.formula}`),
    `frozen base  ${frozen.quantize === 'none' ? formatBytes(frozen.bytes) : `${formatBytes(frozen.unquantizedBytes)} -> ${formatBytes(frozen.bytes)} with ${frozen.quantize}`}`,
    `tokens/step  ${estimate.tokensPerStep.toLocaleString('en-US')} (${estimate.sequenceLength} per sequence)`,
    `time         about ${stepTime(estimate.time.secondsPerStep)} a step, ${formatSeconds(estimate.time.totalSeconds)} in all (${TIME_BASIS[estimate.time.basis]})`,
    ...(timing ? [`  timed: ${timing.device}, start ${formatSeconds(timing.startupSeconds)}, first step ${stepTime(timing.firstStepSeconds)}, then ${stepTime(timing.secondsPerStep)} a step over ${timing.stepsTimed}`] : []),
    ...estimate.notes.map((note) => `note: ${note}`),
  ]
}

/** A step's time: milliseconds below a second, where a small model's steps are. */
function stepTime(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : formatSeconds(seconds)
}
