// The local Hub's repo routes, answered as huggingface.co answers them (for models and datasets
// alike; search and dataset listing are in their own route files):
//   GET  /api/{models,datasets}/ORG/NAME[/revision/REV]     repo info (modelInfo, datasetInfo)
//   GET  /api/{models,datasets}/ORG/NAME/tree/REV[/PATH]    file tree (listFiles): size, oid, lfs {oid: sha256, size}
//   POST /api/{models,datasets}/ORG/NAME/paths-info/REV     the same entries for the paths posted
//   HEAD/GET [/datasets]/ORG/NAME/resolve/REV/PATH          a file: ETag, X-Repo-Commit, Range; an LFS
//        file is a 302 to the CDN origin with X-Linked-Etag (its sha256) and X-Linked-Size
// Errors carry X-Error-Code as the Hub's do: RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo.
import { createHash } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { sendFile, sendJson, type HubRepoKind, type HubRequest, type HubRoute, type LocalHub, type LocalHubFile, type LocalHubRepo } from './local-hub'

export const modelRoutes: HubRoute[] = [invalidTokenRoute, infoRoute, treeRoute, pathsInfoRoute, resolveRoute]

/** A token the Hub does not know is refused on every route, as huggingface.co does. */
function invalidTokenRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  if (req.token === null || hub.validTokens.has(req.token)) return false
  sendJson(response, 401, { error: 'Invalid credentials in Authorization header' })
  return true
}

function infoRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  const match = /^\/api\/(models|datasets)\/([^/]+\/[^/]+?)(?:\/revision\/([^/]+))?$/.exec(req.url.pathname)
  if (!match || req.method !== 'GET') return false
  const repo = findRepo(response, hub, match[1], match[2])
  const commit = repo && resolveRevision(response, repo, match[3] ? decodeURIComponent(match[3]) : 'HEAD')
  if (!repo || !commit) return true
  sendJson(response, 200, {
    _id: repo.commit.slice(0, 24),
    id: repo.id,
    private: false,
    gated: repo.gated,
    disabled: false,
    downloads: 0,
    likes: 0,
    lastModified: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    sha: commit,
    tags: [],
    siblings: repo.files.map((f) => ({ rfilename: f.path })),
    ...repo.info,
  })
  return true
}

function treeRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  const match = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/tree\/([^/]+)(?:\/(.*))?$/.exec(req.url.pathname)
  if (!match || req.method !== 'GET') return false
  const repo = findRepo(response, hub, match[1], match[2])
  if (!repo || !resolveRevision(response, repo, decodeURIComponent(match[3]))) return true
  const folder = match[4] ? decodeURIComponent(match[4]).replace(/\/$/, '') : ''
  const recursive = req.url.searchParams.get('recursive') === 'true'
  const prefix = folder ? `${folder}/` : ''
  const inside = repo.files.filter((f) => f.path.startsWith(prefix))
  if (folder && inside.length === 0) {
    sendJson(response, 404, { error: `Entry not found: ${folder}` }, { 'X-Error-Code': 'EntryNotFound' })
    return true
  }
  const entries: unknown[] = []
  const folders = new Set<string>()
  for (const file of inside) {
    const rest = file.path.slice(prefix.length)
    const slash = rest.indexOf('/')
    if (slash >= 0) {
      // Each folder on the way is an entry of its own, listed once.
      const parts = rest.split('/').slice(0, recursive ? -1 : 1)
      for (let depth = 1; depth <= parts.length; depth++) {
        const path = prefix + parts.slice(0, depth).join('/')
        if (!folders.has(path)) {
          folders.add(path)
          entries.push({ type: 'directory', oid: createHash('sha1').update(path).digest('hex'), size: 0, path })
        }
      }
      if (!recursive) continue
    }
    entries.push(treeEntry(file))
  }
  sendJson(response, 200, entries)
  return true
}

function pathsInfoRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  const match = /^\/api\/(models|datasets)\/([^/]+\/[^/]+)\/paths-info\/([^/]+)$/.exec(req.url.pathname)
  if (!match || req.method !== 'POST') return false
  const repo = findRepo(response, hub, match[1], match[2])
  if (!repo || !resolveRevision(response, repo, decodeURIComponent(match[3]))) return true
  const form = new URLSearchParams(req.body)
  const wanted = new Set(form.getAll('paths'))
  sendJson(response, 200, repo.files.filter((f) => wanted.has(f.path)).map(treeEntry))
  return true
}

async function resolveRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): Promise<boolean> {
  const match = /^\/(datasets\/)?([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(req.url.pathname)
  if (!match || (req.method !== 'GET' && req.method !== 'HEAD') || match[2].startsWith('api/')) return false
  const repo = findRepo(response, hub, match[1] ? 'datasets' : 'models', match[2])
  const commit = repo && resolveRevision(response, repo, decodeURIComponent(match[3]))
  if (!repo || !commit) return true
  if (repo.gated && (req.token === null || !repo.acceptedTokens.includes(req.token))) {
    const noun = repo.kind === 'model' ? 'model' : 'dataset'
    const message = req.token === null
      ? `Access to ${noun} ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`
      : `Access to ${noun} ${repo.id} is restricted and you are not in the authorized list. Visit ${hub.url}/${repo.id} to ask for access.`
    sendJson(response, req.token === null ? 401 : 403, { error: message }, { 'X-Error-Code': 'GatedRepo', 'X-Error-Message': message })
    return true
  }
  const path = match[4].split('/').map(decodeURIComponent).join('/')
  const file = repo.files.find((f) => f.path === path)
  if (!file) {
    sendJson(response, 404, { error: `Entry not found: ${path}` }, { 'X-Error-Code': 'EntryNotFound', 'X-Error-Message': 'Entry not found' })
    return true
  }
  if (file.lfs) {
    const location = `${hub.cdnUrl}/lfs/${repo.kind}/${repo.id}/${file.sha256}`
    response.writeHead(302, {
      Location: location,
      ETag: `"${pointerOid(file)}"`,
      'X-Linked-Etag': `"${file.sha256}"`,
      'X-Linked-Size': String(file.size),
      'X-Repo-Commit': commit,
      'Content-Length': 0,
    })
    response.end()
    return true
  }
  await sendFile(req, response, hub, repo, file, { ETag: `"${file.gitOid}"`, 'X-Repo-Commit': commit })
  return true
}

function findRepo(response: ServerResponse, hub: LocalHub, plural: string, id: string): LocalHubRepo | undefined {
  const kind: HubRepoKind = plural === 'datasets' ? 'dataset' : 'model'
  const repo = hub.repo(kind, decodeURIComponent(id))
  if (!repo) sendJson(response, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound', 'X-Error-Message': 'Repository not found' })
  return repo
}

function resolveRevision(response: ServerResponse, repo: LocalHubRepo, revision: string): string | undefined {
  if (revision === 'HEAD' || revision === repo.commit || repo.revisions.includes(revision)) return repo.commit
  sendJson(response, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound', 'X-Error-Message': 'Invalid rev id' })
  return undefined
}

function treeEntry(file: LocalHubFile): unknown {
  if (!file.lfs) return { type: 'file', oid: file.gitOid, size: file.size, path: file.path }
  return { type: 'file', oid: pointerOid(file), size: file.size, path: file.path, lfs: { oid: file.sha256, size: file.size, pointerSize: pointerText(file).length } }
}

function pointerText(file: LocalHubFile): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${file.sha256}\nsize ${file.size}\n`
}

/** The git blob id of the LFS pointer file (what the Hub gives as the oid / ETag of an LFS file's git entry). */
function pointerOid(file: LocalHubFile): string {
  const text = pointerText(file)
  return createHash('sha1').update(`blob ${text.length}\0${text}`).digest('hex')
}
