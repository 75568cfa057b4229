// Measured step timings (runsMeasureStep), kept in <dataDir>/step-timings.json so that an
// estimate of the same configuration, now or after a restart, uses the measurement. Keyed by
// what changes the time of a step; the learning rate, seed, step count and name do not.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { StepTiming, type RunConfig } from '../contract'
import { hashJson } from '../data/content-hash'
import { writeFileAtomicSync } from '../runtime/file-writes'

/** The newest this many measurements are kept. */
const KEPT = 100

const TimingsFile = z.object({ version: z.literal(1), entries: z.array(z.object({ key: z.string(), timing: StepTiming })) })
type TimingsFile = z.infer<typeof TimingsFile>

export function stepTimingsPath(dataDir: string): string {
  return join(dataDir, 'step-timings.json')
}

/**
 * What a step's time depends on: model (its folder and how its frozen weights are held), adapter,
 * data (lengths, packing, template), batch, optimizer, precision, checkpointing, device, eval.
 */
export function stepTimingKey(config: RunConfig): string {
  const { batch_size, grad_accum, optimizer, precision, gradient_checkpointing } = config.train
  // Without checkpointing the key is what it was before the field existed, so what was measured then still counts.
  const train = { batch_size, grad_accum, optimizer, precision, ...(gradient_checkpointing ? { gradient_checkpointing } : {}) }
  // A full-precision base keys as the bare folder did before model.quantize, so what was measured then still counts.
  const model = config.model.quantize === 'none' ? config.model.path : config.model
  return hashJson({ model, adapter: config.adapter, data: config.data, train, device: config.device, eval: config.eval })
}

export function findStepTiming(dataDir: string, config: RunConfig): StepTiming | null {
  const key = stepTimingKey(config)
  return readTimings(dataDir).entries.find((entry) => entry.key === key)?.timing ?? null
}

export function saveStepTiming(dataDir: string, config: RunConfig, timing: StepTiming): void {
  const key = stepTimingKey(config)
  const entries = [{ key, timing }, ...readTimings(dataDir).entries.filter((entry) => entry.key !== key)].slice(0, KEPT)
  writeFileAtomicSync(stepTimingsPath(dataDir), `${JSON.stringify({ version: 1, entries } satisfies TimingsFile)}\n`)
}

/** A missing or unreadable file holds nothing: a measurement is only ever a better estimate, never data to keep. */
function readTimings(dataDir: string): TimingsFile {
  try {
    const parsed = TimingsFile.safeParse(JSON.parse(readFileSync(stepTimingsPath(dataDir), 'utf8')))
    return parsed.success ? parsed.data : { version: 1, entries: [] }
  } catch {
    return { version: 1, entries: [] }
  }
}
