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

let pending: Promise<number | null> | null = null

/**
 * GFLOP/s, or null when there is none to give: not measured yet and nowhere to measure it
 * (`measureWith` null: a run is training, or the caller only reads), or the measurement failed
 * (the estimate then falls back to its assumed figure).
 */
export async function cpuMatmulGflops(dataDir: string, measureWith: WorkPlace | null): Promise<number | null> {
  const key = machineKey()
  const kept = readRate(dataDir)
  if (kept?.key === key) return kept.gflops
  if (!measureWith) return null
  const job = { kind: 'cpu-rate' as const, request: {}, result: CpuRateResult, what: 'The CPU speed measurement', stopped: 'The CPU speed measurement was stopped' }
  pending ??= measureWith
    .run(job, () => measureCpuMatmulRate())
    .then(({ gflops }) => {
      try {
        writeFileAtomicSync(cpuRatePath(dataDir), `${JSON.stringify({ version: 1, key, gflops, measuredAt: new Date().toISOString() })}\n`)
      } catch {
        // A full disk or a read-only folder: this answer still uses it, the next measures again.
      }
      return gflops
    })
    .catch(() => null)
    .finally(() => (pending = null))
  return pending
}

function readRate(dataDir: string): z.infer<typeof RateFile> | null {
  try {
    const parsed = RateFile.safeParse(JSON.parse(readFileSync(cpuRatePath(dataDir), 'utf8')))
    return parsed.success ? parsed.data : null
  } catch {
    return null // none yet, or unreadable: measured again
  }
}
