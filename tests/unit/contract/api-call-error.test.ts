import { describe, expect, it } from 'vitest'
import { ApiCallError, bridgeErrorMessage, reviveApiCallError } from '../../../main/contract'

describe('ApiCallError across the Electron bridge', () => {
  it('survives being reduced to a message, with its code and issues', () => {
    const original = { code: 'invalid_input' as const, message: 'Invalid input: kind', issues: [{ path: 'kind', message: 'bad' }] }
    // contextBridge re-creates the error from its message only, sometimes with a prefix.
    const copied = new Error(`Error: ${bridgeErrorMessage(original)}`)
    const revived = reviveApiCallError(copied)
    expect(revived).toBeInstanceOf(ApiCallError)
    expect({ code: revived.code, message: revived.message, issues: revived.issues }).toEqual(original)
  })

  it('treats any other error as internal, keeping its message', () => {
    const revived = reviveApiCallError(new Error('socket hang up'))
    expect(revived.code).toBe('internal')
    expect(revived.message).toBe('socket hang up')
  })
})
