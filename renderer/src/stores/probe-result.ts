import type { CudaCheckResult, ExecutionProviderStatus, SystemProbeResult } from '../../../main/contract'

const providerNames: ReadonlySet<string> = new Set<ExecutionProviderStatus['name']>([
  'cpu', 'cuda', 'webgpu', 'dml', 'tensorrt', 'coreml',
])

function isProviderStatus(value: unknown): value is ExecutionProviderStatus {
  if (typeof value !== 'object' || value === null) return false
  const { name, available, reason } = value as Record<string, unknown>
  return typeof name === 'string' && providerNames.has(name) && typeof available === 'boolean' && typeof reason === 'string'
}

/**
 * The contract types every job result as `unknown`; this checks a `system-probe` result
 * against SystemProbeResult without pulling zod into the renderer. Null when it does not
 * match, so the view shows the raw result rather than a wrong table.
 */
export function parseProbeResult(result: unknown): SystemProbeResult | null {
  if (typeof result !== 'object' || result === null) return null
  const { onnxruntime, providers, skipped } = result as Record<string, unknown>
  if (typeof onnxruntime !== 'string') return null
  if (!Array.isArray(providers) || !providers.every(isProviderStatus)) return null
  if (!Array.isArray(skipped) || !skipped.every((name) => typeof name === 'string')) return null
  return { onnxruntime, providers, skipped }
}

/** A `cuda-check` job's result (CudaCheckResult), checked by hand as above; null when it does not match. */
export function parseCudaCheckResult(result: unknown): CudaCheckResult | null {
  if (typeof result !== 'object' || result === null) return null
  const { ok, message, folder } = result as Record<string, unknown>
  if (typeof ok !== 'boolean' || typeof message !== 'string' || !(typeof folder === 'string' || folder === null)) return null
  return { ok, message, folder }
}
