// The checks before Start (docs/DESIGN.md "Checks before Start"): what makes a run sure to fail is
// found before the run is created, not by its training process minutes later. runsStart refuses a
// configuration with a refusal and creates nothing; runsCheck answers the same findings, and a
// memory warning, to the New run form as the user edits, each on its field. The held-out split is
// checked by runsStart itself (runs.ts), with the catalog's count of examples.
import { ApiCallError, type ExecutionProviderStatus, type QuantizeScheme, type RunCheckProblem, type RunChecks, type RunConfig, type RunEstimate } from '../contract'
import { formatBytes } from '../contract/format-bytes'
import { whyDataFileUnusable } from '../data/data-file-check'
import { examplesLongerThan, maxLengthKeepingAll } from '../data/length-fit'
import type { LengthStats } from '../data/length-stats'
import { openModel, type OpenedModel } from '../models'
import { contextOverrun } from '../models/inference/context-fit'
import { planBytes, quantizationPlan } from '../models/quantized/selection'
import { currentProviderFacts, planProviders } from '../runtime'
import { adapterInitMismatch } from '../train/adapter-init-fit'
import { buildStepGraph } from '../train/step-graph'

/** What the checks ask of the machine; the services give the System page's own answers. */
export interface RunCheckMachine {
  /** The providers as the System page lists them (a run's job process loads the same runtime). */
  providers(): Promise<ExecutionProviderStatus[]>
  /** Free memory now, in bytes. */
  freeMemoryBytes(): number
  /** The estimate New run shows, for the memory a run needs. */
  estimate(config: RunConfig): Promise<RunEstimate>
  /** The token lengths of the training file's examples, as its import counted them with the run's model; null when none did. */
  importedTokenLengths(config: RunConfig): LengthStats | null
  /** Free bytes on the data folder's disk, where a quantized copy is written; null when the system does not say. */
  freeDiskBytes(): number | null
  /** Whether the data folder holds a whole copy of the run's model, in this scheme, that the run would read. */
  hasCurrentCopy(model: OpenedModel, scheme: Exclude<QuantizeScheme, 'none'>): boolean
}

/** Free disk a quantized copy must leave beyond its own size: checkpoints, the store and other runs write there too. */
export const COPY_DISK_MARGIN_BYTES = 1024 ** 3

/**
 * The disk check of a run whose model.quantize copy is still to be made: a refusal when the copy
 * cannot fit on the data folder's disk (the run would fail after reading every weight), a warning
 * when it leaves under COPY_DISK_MARGIN_BYTES; null when it fits with room.
 */
export function copyDiskProblem(neededBytes: number, freeBytes: number, scheme: Exclude<QuantizeScheme, 'none'>): RunCheckProblem | null {
  const where = 'Free some space (System → Storage shows what the data folder holds, and deletes unused copies), or set MIXTURE_STUDIO_HOME to a folder on a larger disk.'
  if (neededBytes > freeBytes) {
    return refusal('model.quantize', `The ${scheme} copy of this model's weights needs about ${formatBytes(neededBytes)} in the data folder; its disk has ${formatBytes(freeBytes)} free. ${where}`)
  }
  if (freeBytes - neededBytes < COPY_DISK_MARGIN_BYTES) {
    return { path: 'model.quantize', severity: 'warning', message: `The ${scheme} copy of this model's weights (about ${formatBytes(neededBytes)}) leaves ${formatBytes(freeBytes - neededBytes)} free on the data folder's disk; checkpoints need room too. ${where}` }
  }
  return null
}

/** The device's refusal: a provider this machine does not have, with the System page's reason. */
export function deviceRefusal(device: RunConfig['device'], providers: readonly ExecutionProviderStatus[]): string | null {
  // auto falls back to the CPU, which is always there.
  if (device === 'auto') return null
  const status = providers.find((p) => p.name === device)
  if (!status || status.available) return null
  // The reason's first part: the rest is what to install, which the System page says with its own controls.
  return `${device} is not available on this machine: ${status.reason.split(';')[0].trim()}. Choose auto or another device; the System page says what ${device} needs.`
}

/**
 * The memory warning: what the run needs beside what the machine has free; null when it fits. A
 * base not yet held in 4 bits is one more way down (model.quantize), said where the user can act.
 */
export function memoryShortfall(neededBytes: number, freeBytes: number, quantize: QuantizeScheme): string | null {
  if (neededBytes <= freeBytes) return null
  const ways = quantize === 'int4' ? 'lower Batch size or Max length' : 'lower Batch size or Max length, or set Frozen base to 4-bit'
  return `This run needs about ${formatBytes(neededBytes)}; this machine has ${formatBytes(freeBytes)} free. It may fail for lack of memory or slow the machine down: close other programs, or ${ways}.`
}

/**
 * What max_length costs the training file, in words: how many of its examples (by its import's
 * token counts) are longer and would be skipped, and the max_length that keeps them; null when all fit.
 */
export function skippedForLength(stats: LengthStats, maxLength: number, context: number | null): string | null {
  const fit = examplesLongerThan(stats, maxLength)
  if (fit.longerAtMost === 0) return null
  const count = fit.longerAtLeast === fit.longerAtMost ? `${fit.longerAtLeast}` : fit.longerAtLeast === 0 ? `Up to ${fit.longerAtMost}` : `${fit.longerAtLeast} to ${fit.longerAtMost}`
  const keeping = maxLengthKeepingAll(stats, context)
  const remedy = keeping <= maxLength ? '' : keeping >= stats.max ? ` ${keeping} keeps them all.` : ` The model's context, ${keeping}, keeps all but ${examplesLongerThan(stats, keeping).longerAtMost}.`
  if (fit.longerAtLeast === fit.count) return `All ${fit.count} examples are longer than ${maxLength} tokens (the shortest has ${stats.min}): the run would skip them all and fail.${remedy}`
  const share = Math.round((100 * fit.longerAtMost) / fit.count)
  return `${count} of ${fit.count} examples (${share < 1 ? 'under 1' : share}%) are longer than ${maxLength} tokens: the run skips them.${remedy}`
}

function refusal(path: string, message: string): RunCheckProblem {
  return { path, message, severity: 'refusal' }
}

/** The data files a run reads, each with its field and what the user calls it. */
function dataFiles(config: RunConfig): { path: string; file: string; role: string }[] {
  return [
    { path: 'data.train', file: config.data.train, role: 'The training file' },
    ...(config.data.validation ? [{ path: 'data.validation', file: config.data.validation, role: 'The validation file' }] : []),
    ...config.eval.sets.map((set, i) => ({ path: `eval.sets.${i}.data`, file: set.data, role: `The file of eval set "${set.name}"` })),
  ]
}

/** The run's model, opened, or why it does not open. */
type ModelOrProblem = { model: OpenedModel } | { problem: string }

/** The checks of a configuration whose paths are absolute (absoluteConfigPaths). */
export function createRunChecks(machine: RunCheckMachine) {
  function open(path: string): ModelOrProblem {
    try {
      return { model: openModel(path) }
    } catch (error) {
      return { problem: (error as Error).message }
    }
  }

  /** Every refusal of a configuration whose paths are absolute, in the form's field order. */
  async function refusalsOf(config: RunConfig, opened: ModelOrProblem): Promise<RunCheckProblem[]> {
    const problems: RunCheckProblem[] = []
    if ('problem' in opened) problems.push(refusal('model', opened.problem))
    for (const { path, file, role } of dataFiles(config)) {
      const why = await whyDataFileUnusable(file)
      if (why) problems.push(refusal(path, `${role} ${why}`))
    }
    if ('model' in opened) {
      const overrun = contextOverrun(config.data.max_length, opened.model.spec)
      if (overrun) problems.push(refusal('data.max_length', overrun))
      if (config.adapter.init) {
        const mismatch = initMismatch(config, opened.model)
        if (mismatch) problems.push(refusal('adapter.init', mismatch))
      }
      const disk = copyDisk(config, opened.model)
      if (disk?.severity === 'refusal') problems.push(disk)
    }
    const device = deviceRefusal(config.device, await machine.providers())
    if (device) problems.push(refusal('device', device))
    return problems
  }

  function initMismatch(config: RunConfig, model: OpenedModel): string | null {
    let parameters
    try {
      parameters = buildStepGraph(model, config.adapter, { kind: 'eval', maxPositions: config.data.max_length }).parameters
    } catch {
      // The adapter section does not build on this model (sites it lacks): the estimate says why.
      return null
    }
    return adapterInitMismatch(config.adapter.init!, config.adapter, model.spec, parameters)
  }

  /** The data folder's disk against the quantized copy the run would make first (none when one is there). */
  function copyDisk(config: RunConfig, model: OpenedModel): RunCheckProblem | null {
    const scheme = config.model.quantize
    if (scheme === 'none' || machine.hasCurrentCopy(model, scheme)) return null
    const free = machine.freeDiskBytes()
    if (free === null) return null
    return copyDiskProblem(planBytes(quantizationPlan(model.info.weightMap.entries, scheme)), free, scheme)
  }

  /** Where a run of this device trains, for its memory: the CPU's RAM, or a GPU whose memory is not known here. */
  function trainsOnCpu(device: RunConfig['device']): boolean {
    if (device !== 'auto') return device === 'cpu'
    return (planProviders('auto', currentProviderFacts()).candidates[0] ?? 'cpu') === 'cpu'
  }

  async function memoryWarning(config: RunConfig): Promise<RunCheckProblem | null> {
    // A GPU's free memory is not known without a session on it; only the CPU's RAM is compared.
    if (!trainsOnCpu(config.device)) return null
    let estimate: RunEstimate
    try {
      estimate = await machine.estimate(config)
    } catch {
      // The estimate's own problem shows in the Cost panel.
      return null
    }
    const short = memoryShortfall(estimate.memory.totalBytes, machine.freeMemoryBytes(), config.model.quantize)
    return short ? { path: 'device', message: short, severity: 'warning' } : null
  }

  /** Examples the run would skip for their length (example-pipeline.ts), by the import's token counts. */
  function lengthWarning(config: RunConfig, opened: ModelOrProblem): RunCheckProblem | null {
    const stats = machine.importedTokenLengths(config)
    if (!stats) return null
    const context = 'model' in opened ? opened.model.spec.contextLength : null
    const message = skippedForLength(stats, config.data.max_length, context)
    return message ? { path: 'data.max_length', message, severity: 'warning' } : null
  }

  return {
    /** Refuses a configuration runsStart must not create a run for, each problem on its field. */
    async refuseUnstartable(config: RunConfig): Promise<void> {
      const problems = await refusalsOf(config, open(config.model.path))
      if (problems.length === 0) return
      throw new ApiCallError('invalid_input', problems.map((p) => p.message).join('\n'), problems.map(({ path, message }) => ({ path, message })))
    },

    /** runsCheck's answer: the refusals, then the warnings (examples too long to train on, memory). */
    async check(config: RunConfig): Promise<RunChecks> {
      // Opened once: the refusals and the length warning both read the model.
      const opened = open(config.model.path)
      const problems = await refusalsOf(config, opened)
      const disk = 'model' in opened ? copyDisk(config, opened.model) : null
      const warnings = [lengthWarning(config, opened), await memoryWarning(config), disk?.severity === 'warning' ? disk : null].filter((w): w is RunCheckProblem => w !== null)
      return { problems: [...problems, ...warnings] }
    },
  }
}
