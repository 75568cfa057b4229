// --device and --precision, as eval and generate take them: parsed and explained once.
import type { Device, RequestedPrecision } from '../../runtime'
import { UsageError } from '../command'

const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu', 'dml'] as const satisfies readonly Device[]
const PRECISIONS = ['auto', 'fp32', 'fp16', 'bf16'] as const satisfies readonly RequestedPrecision[]

/** The usage lines of both flags (`what`: "runs the pass", "runs the model"). */
export function deviceFlagsUsage(what: string): string {
  return `  --device D      auto | cpu | cuda | webgpu | dml (default auto: this machine's GPU when it has
                  one that ${what}, else the CPU; the summary says which)
  --precision P   auto | fp32 | fp16 | bf16: what a GPU multiplies the frozen weights in (default
                  auto; the CPU computes in float32)`
}

export function deviceFlags(values: { device?: string; precision?: string }): { device: Device; precision: RequestedPrecision } {
  return { device: oneOf('--device', values.device, DEVICES, 'auto'), precision: oneOf('--precision', values.precision, PRECISIONS, 'auto') }
}

function oneOf<T extends string>(flag: string, text: string | undefined, options: readonly T[], fallback: T): T {
  if (text === undefined) return fallback
  if (!(options as readonly string[]).includes(text)) throw new UsageError(`${flag} must be one of ${options.join(', ')}, not "${text}"`)
  return text as T
}
