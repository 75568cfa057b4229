import type { IncomingMessage, ServerResponse } from 'node:http'
import { dispatchCall, isCallName, type Services } from '../services'
import { BodyTooLargeError, readBody, refuseUnreadBody, sendApiError, sendJson, statusForCode } from './http-util'

const MAX_BODY_BYTES = 1024 * 1024

/** `POST /api/<callName>`: see the format at the top of ./index.ts. */
export async function handleApiCall(
  services: Services,
  callName: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (!isCallName(callName)) {
    sendApiError(response, { code: 'not_found', message: `There is no API call named "${callName}".` })
    return
  }
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST')
    sendApiError(response, { code: 'invalid_input', message: `Call ${callName} with POST.` }, 405)
    return
  }
  const contentType = request.headers['content-type'] ?? ''
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    sendApiError(
      response,
      { code: 'invalid_input', message: `Send the input of ${callName} as JSON with Content-Type: application/json.` },
      415,
    )
    return
  }

  let text: string
  try {
    text = await readBody(request, MAX_BODY_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLargeError) refuseUnreadBody(request, response, { code: 'invalid_input', message: error.message }, 413)
    else response.destroy()
    return
  }

  let input: unknown
  try {
    // An empty body means "no input", which calls without parameters accept.
    input = text.trim() === '' ? {} : JSON.parse(text)
  } catch (error) {
    sendApiError(response, {
      code: 'invalid_input',
      message: `The body of ${callName} is not valid JSON: ${(error as Error).message}`,
      issues: [{ path: '(body)', message: (error as Error).message }],
    })
    return
  }

  const result = await dispatchCall(services, callName, input)
  if (result.ok) sendJson(response, 200, result.data)
  else sendApiError(response, result.error, statusForCode[result.error.code])
}
