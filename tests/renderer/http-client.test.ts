import { describe, expect, it, vi } from 'vitest'
import { createCallClient, type FetchLike } from '../../renderer/src/api/http-client'
import { ApiCallError } from '../../renderer/src/api/errors'

function answering(status: number, body: string) {
  return vi.fn<FetchLike>(async () => new Response(body, { status }))
}

async function rejectionOf(promise: Promise<unknown>): Promise<ApiCallError> {
  const error = await promise.then(() => null, (reason: unknown) => reason)
  expect(error).toBeInstanceOf(ApiCallError)
  return error as ApiCallError
}

describe('web-mode call client', () => {
  it('posts the input as JSON to /api/<call> and returns the output', async () => {
    const fetch = answering(200, JSON.stringify([]))
    const call = createCallClient({ baseUrl: 'http://127.0.0.1:5000', fetch })
    await expect(call('runsList', { limit: 5 })).resolves.toEqual([])
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('http://127.0.0.1:5000/api/runsList')
    expect(init.method).toBe('POST')
    expect(new Headers(init.headers).get('content-type')).toBe('application/json')
    expect(JSON.parse(String(init.body))).toEqual({ limit: 5 })
  })

  it('throws the ApiError the server answered, with its field issues', async () => {
    const body = { code: 'invalid_input', message: 'Input is invalid.', issues: [{ path: 'limit', message: 'must be positive' }] }
    const call = createCallClient({ baseUrl: '', fetch: answering(400, JSON.stringify(body)) })
    const error = await rejectionOf(call('runsList', { limit: -1 }))
    expect(error.code).toBe('invalid_input')
    expect(error.message).toBe('Input is invalid.')
    expect(error.issues).toEqual([{ path: 'limit', message: 'must be positive' }])
  })

  it('explains a 401 without an ApiError body as a missing token', async () => {
    const call = createCallClient({ baseUrl: '', fetch: answering(401, '<html>Token required</html>') })
    const error = await rejectionOf(call('systemInfo', {}))
    expect(error.code).toBe('unauthorized')
    expect(error.message).toContain('?token=')
  })

  it('names the call and the status when the server answers something unexpected', async () => {
    const call = createCallClient({ baseUrl: '', fetch: answering(502, 'Bad Gateway') })
    const error = await rejectionOf(call('jobsList', {}))
    expect(error.code).toBe('internal')
    expect(error.message).toBe('jobsList: HTTP 502 from the server: Bad Gateway')
  })

  it('rejects a 200 answer that is not JSON', async () => {
    const call = createCallClient({ baseUrl: '', fetch: answering(200, 'not json') })
    const error = await rejectionOf(call('jobsList', {}))
    expect(error.message).toContain('invalid JSON')
  })

  it('says what to check when the server cannot be reached', async () => {
    const fetch = vi.fn<FetchLike>(async () => {
      throw new TypeError('Failed to fetch')
    })
    const call = createCallClient({ baseUrl: 'http://127.0.0.1:5000', fetch })
    const error = await rejectionOf(call('systemInfo', {}))
    expect(error.message).toContain('Cannot reach the Mixture Studio server at http://127.0.0.1:5000 (Failed to fetch)')
    expect(error.message).toContain('mixture-studio serve')
  })
})
