// What a HubError means to a caller of the contract: a gated repo is `forbidden` (its message
// holds the page where its conditions are accepted), a refused token `unauthorized`, a missing
// repo `not_found`, a repo we cannot train `invalid_input`; no network, offline mode, a failed
// check and a full disk are `conflict`: the world, not the request, has to change. Messages are
// the Hub code's own (what went wrong and what to do), with the token redacted once more.
import { ApiCallError } from '../contract'
import { isHubError } from '../hub/hub-error'
import { redactToken } from '../hub/token-store'

export function hubApiError(error: unknown, token: string | null): unknown {
  if (!isHubError(error)) return error
  const message = redactToken(error.message, token)
  switch (error.kind) {
    case 'gated':
      return new ApiCallError('forbidden', message)
    case 'unauthorized':
      return new ApiCallError('unauthorized', message)
    case 'not-found':
      return new ApiCallError('not_found', message)
    case 'no-safetensors':
    case 'unsupported':
      return new ApiCallError('invalid_input', message)
    default:
      return new ApiCallError('conflict', message)
  }
}
