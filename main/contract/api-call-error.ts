// Zod-free so the sandboxed preload and the renderer can throw and recognise it cheaply.

export type ApiErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'unauthorized' | 'forbidden' | 'internal'

export interface ApiErrorIssue {
  path: string
  message: string
}

/**
 * The error a failed call throws, on both sides of a transport: services throw it to say
 * which ApiError to answer, and the renderer's api layer rethrows a received ApiError as one.
 */
export class ApiCallError extends Error {
  readonly code: ApiErrorCode
  readonly issues: ApiErrorIssue[] | undefined

  constructor(code: ApiErrorCode, message: string, issues?: ApiErrorIssue[]) {
    super(message)
    this.name = 'ApiCallError'
    this.code = code
    this.issues = issues
  }
}

const BRIDGE_MARKER = '[[api-error]]'

/**
 * Electron's contextBridge copies only the message of an error thrown in the preload, so
 * the preload puts the whole ApiError in the message and the renderer revives it.
 */
export function bridgeErrorMessage(error: { code: ApiErrorCode; message: string; issues?: ApiErrorIssue[] }): string {
  return `${error.message} ${BRIDGE_MARKER}${JSON.stringify(error)}`
}

/** Turns whatever a call rejected with back into an ApiCallError (unknown errors become `internal`). */
export function reviveApiCallError(error: unknown): ApiCallError {
  if (error instanceof ApiCallError) return error
  const message = error instanceof Error ? error.message : String(error)
  const marker = message.indexOf(BRIDGE_MARKER)
  if (marker >= 0) {
    try {
      const parsed = JSON.parse(message.slice(marker + BRIDGE_MARKER.length)) as {
        code: ApiErrorCode
        message: string
        issues?: ApiErrorIssue[]
      }
      return new ApiCallError(parsed.code, parsed.message, parsed.issues)
    } catch {
      // Fall through: report the message as it is.
    }
  }
  return new ApiCallError('internal', message)
}
