import { dirname } from 'node:path'
import { RunConfig } from '../../contract'
import { readRunConfigFile, RunConfigError } from '../../config/run-config-file'
import { absoluteConfigPaths } from '../../services/runs'
import { EXIT_FAILURE, EXIT_OK, UsageError, type Command } from '../command'
import { parseOptions } from '../parse-options'
import { idArgument } from '../id-argument'
import { positiveInteger } from './eval'
import { claimRunForResume, recordCheckedRun, trainLocally, waitInQueue } from './run-locally'
import { cliDataDir } from '../open-services'
import { trainPrinter } from './train-output'
import { checkRunConfig } from './train-check'

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an adapter from a run configuration (YAML or JSON)',
  usage: `Usage: mixture-studio train --config FILE [--json] [--threads N] [--now]
       mixture-studio train --resume RUN [--json] [--threads N] [--now]
       mixture-studio train --config FILE --check [--measure] [--json]

Trains in this process and records the run in the store (see docs/DESIGN.md "Run configuration"
for the file: model, data, adapter, train, device). Paths in the file are relative to it.
Ctrl+C stops after the current step and writes a checkpoint; --resume RUN continues an
interrupted, cancelled or failed run from its last checkpoint.

One run trains at a time per device (Settings' runsAtOncePerDevice): while the studio or another
train holds the run's device, the run waits in the run queue (the studio's Queue panel shows it)
and trains here when the device is free; Ctrl+C while it waits cancels it.

  --json       one JSON object per line: {"type":"step","step","loss","lr","tokens_per_s",...},
               {"type":"eval",...}, {"type":"done","run_id","adapter"}, {"type":"error","message"}
  --threads N  onnxruntime threads (default: all cores)
  --now        train now, alongside the runs on the device, instead of waiting for it
  --check      train nothing: what the studio's New run says of the configuration, the checks
               before Start (exit 1 when one refuses it), the trainable parameters, the memory
               by term and the time; {"type":"check",...} with --json
  --measure    with --check: time a few of its steps on this machine (a minute or so), for the
               time estimate`,

  async run(args, context) {
    const { values } = parseOptions(args, {
      config: { type: 'string' }, resume: { type: 'string' }, json: { type: 'boolean' }, threads: { type: 'string' }, now: { type: 'boolean' },
      check: { type: 'boolean' }, measure: { type: 'boolean' },
    })
    if (!values.config === !values.resume) throw new UsageError('train needs --config FILE or --resume RUN')
    if (values.check && !values.config) throw new UsageError('--check looks at a configuration: give it with --config FILE')
    if (values.measure && !values.check) throw new UsageError('--measure times a configuration for --check: give both')
    const json = values.json ?? false
    const threads = values.threads === undefined ? undefined : positiveInteger('--threads', values.threads, 1)
    const dataDir = cliDataDir(context)
    const choice = { alongside: values.now ?? false }
    let runId: string
    let queued: boolean
    if (values.config) {
      let config: RunConfig
      try {
        config = absoluteConfigPaths(readRunConfigFile(values.config), dirname(values.config))
      } catch (error) {
        if (!(error instanceof RunConfigError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        trainPrinter(context, json).error(error instanceof RunConfigError ? error.message : `${values.config}: no such file`)
        return EXIT_FAILURE
      }
      if (values.check) return checkRunConfig(context, values.config, config, { measure: values.measure ?? false, json })
      const recorded = await recordCheckedRun(dataDir, config, choice)
      if ('refusals' in recorded) {
        trainPrinter(context, json).error(`${values.config}: this run would not train, so none was created:\n${recorded.refusals.join('\n')}`)
        return EXIT_FAILURE
      }
      ;({ runId, queued } = recorded)
    } else {
      runId = idArgument(context, 'run', values.resume as string)
      const claim = claimRunForResume(dataDir, runId, choice)
      if ('error' in claim) {
        trainPrinter(context, json).error(claim.error)
        return EXIT_FAILURE
      }
      queued = claim.queued
    }
    if (queued && !(await waitInQueue(context, dataDir, runId, trainPrinter(context, json)))) return EXIT_FAILURE
    const outcome = await trainLocally(context, dataDir, runId, trainPrinter(context, json), threads)
    return outcome.status === 'completed' ? EXIT_OK : EXIT_FAILURE
  },
}
