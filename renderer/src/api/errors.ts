// The class comes from the contract (zod-free file, so the bundle stays free of zod): main
// throws it, and this layer rethrows whatever a transport received as one.
import { ApiCallError, reviveApiCallError, type ApiErrorCode } from '../../../main/contract/api-call-error'
import { inGuiWords } from '../../../main/contract/gui-words'

export { ApiCallError }

const contractCodes: ReadonlySet<string> = new Set<ApiErrorCode>([
  'invalid_input', 'not_found', 'conflict', 'unauthorized', 'forbidden', 'internal',
])

/** Reads an ApiError-shaped value (a response body, an IPC error); null when it is not one. */
export function parseApiError(value: unknown): ApiCallError | null {
  if (typeof value !== 'object' || value === null) return null
  const { code, message, issues } = value as Record<string, unknown>
  if (typeof code !== 'string' || !contractCodes.has(code) || typeof message !== 'string') return null
  const validIssues = Array.isArray(issues)
    ? issues.filter((issue): issue is { path: string; message: string } =>
        typeof issue?.path === 'string' && typeof issue?.message === 'string')
    : undefined
  return new ApiCallError(code as ApiErrorCode, message, validIssues)
}

/**
 * Turns anything a transport threw into an ApiCallError: an ApiError object, an Error whose
 * message carries one (Electron's preload bridge), or anything else, named after the call.
 */
export function toApiCallError(error: unknown, callName: string): ApiCallError {
  if (error instanceof ApiCallError) return error
  const parsed = parseApiError(error)
  if (parsed) return parsed
  const message = error instanceof Error ? error.message : String(error)
  const revived = reviveApiCallError(error)
  // reviveApiCallError keeps the message unchanged when it found no ApiError inside.
  if (revived.message !== message) return revived
  return new ApiCallError('internal', `${callName} failed: ${message}`)
}

/** The message followed by one line per invalid field, for display. */
export function describeApiError(error: ApiCallError): string {
  const message = inGuiWords(error.message)
  if (!error.issues?.length) return message
  return [message, ...error.issues.map((issue) => `${issue.path || '(input)'}: ${inGuiWords(issue.message)}`)].join('\n')
}
