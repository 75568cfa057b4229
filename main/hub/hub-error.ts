// The one error the Hub code throws: a kind the app and the CLI act on (show the accept link of a
// gated model, ask for a token, say the machine is offline), and a message a user can act on.
// Messages never hold the token (see token-store.ts's redactToken).

export type HubErrorKind =
  | 'offline' // HF_HUB_OFFLINE is set and the cache lacks what was asked for
  | 'network' // no connection, or no answer in time
  | 'gated' // the repo asks the user to accept its conditions (acceptUrl says where)
  | 'unauthorized' // a token is missing, unknown to the Hub, or lacks access
  | 'not-found' // no such repo, revision or file
  | 'integrity' // the bytes do not match the Hub's size or hash
  | 'disk-full' // not enough free space for the download
  | 'no-safetensors' // the repo has no safetensors weights
  | 'unsupported' // not a model we train (its architecture, or no config.json)
  | 'cancelled' // the caller's signal stopped it
  | 'busy' // another process is downloading the same file

export class HubError extends Error {
  override name = 'HubError'
  constructor(
    readonly kind: HubErrorKind,
    message: string,
    /** For 'gated': the page where the user accepts the conditions. */
    readonly acceptUrl: string | null = null,
  ) {
    super(message)
  }
}

export function isHubError(error: unknown, kind?: HubErrorKind): error is HubError {
  return error instanceof HubError && (kind === undefined || error.kind === kind)
}

/**
 * The HubError an HTTP answer of the Hub means, from its status and X-Error-Code (GatedRepo,
 * RepoNotFound, RevisionNotFound, EntryNotFound), as huggingface_hub reads them.
 */
export function httpHubError(options: { status: number; errorCode: string | null; endpoint: string; kind: 'model' | 'dataset'; repo: string; what: string; hadToken: boolean }): HubError {
  const { status, errorCode, endpoint, repo, what, hadToken } = options
  const page = `${endpoint}${options.kind === 'dataset' ? '/datasets' : ''}/${repo}`
  if (errorCode === 'GatedRepo') {
    const why = hadToken ? 'your token has not been granted access to it yet' : 'it needs a Hugging Face token of an account that accepted them'
    return new HubError('gated', `${repo} is gated: accept its conditions at ${page} (${why}), then try again.`, page)
  }
  if (status === 404 || errorCode === 'RepoNotFound' || errorCode === 'RevisionNotFound' || errorCode === 'EntryNotFound') {
    const missing = errorCode === 'RevisionNotFound' ? `has no such revision (asked for ${what})` : errorCode === 'EntryNotFound' ? `has no ${what}` : 'was not found'
    const hint = errorCode === 'RepoNotFound' && !hadToken ? ' (check the name; a private repo needs a token)' : ''
    return new HubError('not-found', `${repo} ${missing} on ${endpoint}${hint}.`)
  }
  if (status === 401 || status === 403) {
    return new HubError('unauthorized', hadToken
      ? `${endpoint} refused the Hugging Face token for ${repo} (HTTP ${status}): it is unknown, expired or lacks access. Set a valid token in Settings or HF_TOKEN.`
      : `${endpoint} needs a Hugging Face token for ${repo} (HTTP ${status}). Set one in Settings or HF_TOKEN.`)
  }
  return new HubError('network', `${endpoint} answered HTTP ${status} for ${what} of ${repo}; try again later.`)
}
