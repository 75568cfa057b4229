// The app's error text (describeApiError) goes through inGuiWords: a service's CLI hint is said
// with the app's controls, in the message and in each field's issue.
import { describe, expect, it } from 'vitest'
import { ApiCallError, describeApiError } from '../../renderer/src/api/errors'

describe('describeApiError', () => {
  it('shows a service message without the CLI flags it was written with', () => {
    const cli = '/data/train.jsonl:3: bad JSON (import stopped at the first bad row; fix it, or import with --on-error skip to skip bad rows and list them in the report)'
    const shown = describeApiError(new ApiCallError('invalid_input', cli, [{ path: 'path', message: cli }]))
    expect(shown).not.toContain('--on-error')
    expect(shown.match(/choose "Skip bad rows"/g)).toHaveLength(2)
  })
})
