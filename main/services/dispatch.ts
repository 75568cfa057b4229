import { z } from 'zod'
import { ApiCallError, calls, type ApiError, type CallName } from '../contract'
import type { Services } from './services'

export type CallResult = { ok: true; data: unknown } | { ok: false; error: ApiError }

export function isCallName(name: string): name is CallName {
  return Object.hasOwn(calls, name)
}

/**
 * The one path every transport takes into the services: validate the input against the
 * contract (nothing runs on bad input), run the handler, check the output, and turn any
 * failure into an ApiError.
 */
export async function dispatchCall(services: Services, name: CallName, rawInput: unknown): Promise<CallResult> {
  const schema = calls[name]
  const input = schema.input.safeParse(rawInput)
  if (!input.success) return { ok: false, error: invalidInput(input.error) }
  try {
    const handler = services[name] as (input: unknown) => Promise<unknown>
    const output = await handler(input.data)
    // A mismatch here is our bug, not the caller's: it surfaces as `internal`.
    return { ok: true, data: schema.output.parse(output) }
  } catch (error) {
    return { ok: false, error: toApiError(error, name) }
  }
}

export function invalidInput(error: z.ZodError): ApiError {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }))
  const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')
  return { code: 'invalid_input', message: `Invalid input: ${summary}`, issues }
}

export function toApiError(error: unknown, callName?: string): ApiError {
  if (error instanceof ApiCallError) {
    return { code: error.code, message: error.message, ...(error.issues ? { issues: error.issues } : {}) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'internal', message: callName ? `${callName} failed: ${message}` : message }
}
