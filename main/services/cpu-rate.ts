// This machine's CPU MatMul rate for the time estimate (runtime/cpu-matmul-rate.ts), measured once
// and kept in <dataDir>/cpu-rate.json under what it depends on: the CPU model, the cores and the
// onnxruntime version. Measured when a CPU run is first estimated, in a `cpu-rate` job (about half a
// second of onnxruntime, which main's thread must not run; the CLI measures in its own process),
// never while a run trains (it would measure a busy CPU and keep that), and never twice at once.
import { availableParallelism, cpus } from 'node:os'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { measureCpuMatmulRate } from '../runtime/cpu-matmul-rate'
import type { WorkPlace } from './work-place'
import { onnxruntimeVersion } from '../runtime/cuda-runtime-folder'
import { writeFileAtomicSync } from '../runtime/file-writes'

/** What a `cpu-rate` job answers (runtime/cpu-matmul-rate.ts's CpuMatmulRate). */
export const CpuRateResult = z.object({ gflops: z.number().positive(), seconds: z.number().nonnegative() })

/** A `cpu-rate` job's request: nothing; the measurement is the same everywhere. */
export const CpuRateRequest = z.object({}).strict()

const RateFile = z.object({ version: z.literal(1), key: z.string(), gflops: z.number().positive(), measuredAt: z.string() })

export function cpuRatePath(dataDir: string): string {
  return join(dataDir, 'cpu-rate.json')
}

/** What the rate depends on: another CPU, core count or onnxruntime is measured again. */
function machineKey(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'} | ${availableParallelism()} cores | onnxruntime ${onnxruntimeVersion()}`
}

/**
 * A kept rate older than this is measured again (in the background: the answer uses the kept one)
 * and the faster of the two kept. Load only ever slows a run, so a first measurement taken while
 * another program was busy is mended by a later one on a quiet machine.
 */
const REMEASURE_AFTER_MS = 7 * 24 * 3600 * 1000

let pending: Promise<number | null> | null = null

/**
 * GFLOP/s, or null when there is none to give: not measured yet and nowhere to measure it
 * (`measureWith` null: a run is training, or the caller only reads), or the measurement failed
 * (the estimate then falls back to its assumed figure).
 */
export async function cpuMatmulGflops(dataDir: string, measureWith: WorkPlace | null, now = new Date()): Promise<number | null> {
  const key = machineKey()
  const read = readRate(dataDir)
  const kept = read?.key === key ? read : null
  if (kept && (!measureWith || now.getTime() - Date.parse(kept.measuredAt) < REMEASURE_AFTER_MS)) return kept.gflops
  if (!measureWith) return null
  const job = { kind: 'cpu-rate' as const, request: {}, result: CpuRateResult, what: 'The CPU speed measurement', stopped: 'The CPU speed measurement was stopped' }
  pending ??= measureWith
    .run(job, () => measureCpuMatmulRate())
    .then(({ gflops: measured }) => {
      const gflops = Math.max(measured, kept?.gflops ?? 0)
      try {
        writeFileAtomicSync(cpuRatePath(dataDir), `${JSON.stringify({ version: 1, key, gflops, measuredAt: now.toISOString() })}\n`)
      } catch {
        // A full disk or a read-only folder: this answer still uses it, the next measures again.
      }
      return gflops
    })
    .catch(() => kept?.gflops ?? null)
    .finally(() => (pending = null))
  // A stale rate answers now; the new one is for the next estimate.
  return kept ? kept.gflops : pending
}

function readRate(dataDir: string): z.infer<typeof RateFile> | null {
  try {
    const parsed = RateFile.safeParse(JSON.parse(readFileSync(cpuRatePath(dataDir), 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null // none yet, or unreadable: measured again
  }
}
