import type { PathRequest } from '../stores/path-browser'

/** The configuration's fields drawn from its schema that hold a path: each gets a Browse… beside it. */
export const PATH_FIELDS: Readonly<Record<string, Pick<PathRequest, 'kind' | 'title'>>> = {
  'adapter.init': { kind: 'folder', title: 'Choose an adapter folder to start from' },
}
