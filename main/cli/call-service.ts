import type { CallName } from '../contract'
import { dispatchCall } from '../services'
import { UsageError, type CliContext } from './command'
import { openServices } from './open-services'

/**
 * Runs one contract call for a CLI command over the user's data dir, in this process (an import
 * too: the command has nothing else to answer meanwhile). Invalid input is a usage error naming
 * the field; any other failure is printed (a JSON error object with --json) and gives null, so
 * the command can exit 1.
 */
export async function callService(context: CliContext, name: CallName, input: unknown, json: boolean | undefined): Promise<unknown> {
  const services = openServices(context, { longCallsInProcess: true })
  try {
    const result = await dispatchCall(services, name, input)
    if (result.ok) return result.data
    if (result.error.code === 'invalid_input' && result.error.issues) {
      throw new UsageError(result.error.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '))
    }
    if (json) context.stdout(`${JSON.stringify({ type: 'error', message: result.error.message })}\n`)
    else context.stderr(`${result.error.message}\n`)
    return null
  } finally {
    await services.close()
  }
}
