// The local Hub's model search, GET /api/models, answered as huggingface.co answers the
// @huggingface/hub client's listModels: `search` (words of the repo id), `author`, `filter` (tags,
// each required; a model's model_type is one of its tags, as on the Hub), `sort` (most first),
// `limit` (pages of at most SEARCH_PAGE_SIZE) with a Link header to the next page, and `expand`
// naming the fields each entry carries.
// Plus addSearchableModel: a tiny model served with what the Hub reports of it (the safetensors
// parameters counted by dtype from its files, license tag, downloads).
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { sendJson, type HubRequest, type HubRoute, type HubServer, type LocalHub, type LocalHubRepo } from './hub-server'
import type { TinyArch, TinyModelOptions } from './tiny-models'

/**
 * The most entries one page holds, whatever `limit` asks: huggingface.co caps a page (at 1000); this
 * cap is small so that a search of a few tiny repos already runs over pages, following Link.
 */
export const SEARCH_PAGE_SIZE = 5

/** Fields every listing entry has, as the client asks for them by default. */
const DEFAULT_FIELDS = ['pipeline_tag', 'private', 'gated', 'downloads', 'likes', 'lastModified']

export const searchRoutes: HubRoute[] = [modelSearchRoute]

function modelSearchRoute(req: HubRequest, response: ServerResponse, hub: LocalHub): boolean {
  if (req.url.pathname !== '/api/models' || req.method !== 'GET') return false
  const params = req.url.searchParams
  const words = (params.get('search') ?? '').toLowerCase()
  const author = params.get('author')
  const tags = params.getAll('filter')
  const sort = params.get('sort')
  const limit = Math.min(Number(params.get('limit') ?? SEARCH_PAGE_SIZE), SEARCH_PAGE_SIZE)
  const cursor = Number(params.get('cursor') ?? '0')
  const matching = modelRepos(hub)
    .map((repo) => entryOf(hub, repo))
    .filter((entry) => String(entry.id).toLowerCase().includes(words))
    .filter((entry) => author === null || String(entry.id).startsWith(`${author}/`))
    .filter((entry) => tags.every((tag) => (entry.tags as string[]).includes(tag)))
  if (sort) matching.sort((a, b) => Number(b[sort] ?? 0) - Number(a[sort] ?? 0))
  const page = matching.slice(cursor, cursor + limit)
  const fields = new Set([...DEFAULT_FIELDS, ...params.getAll('expand')])
  const body = page.map((entry) => Object.fromEntries(Object.entries(entry).filter(([key]) => key === '_id' || key === 'id' || fields.has(key))))
  const headers: Record<string, string> = {}
  if (cursor + limit < matching.length) {
    const next = new URL(req.url)
    next.searchParams.set('cursor', String(cursor + limit))
    headers.Link = `<${next.toString()}>; rel="next"`
  }
  sendJson(response, 200, body, headers)
  return true
}

/** The repos addSearchableModel added to each hub, in order. */
const searchableIds = new WeakMap<LocalHub, string[]>()

function modelRepos(hub: LocalHub): LocalHubRepo[] {
  const all = searchableIds.get(hub) ?? []
  return all.map((id) => hub.repo('model', id)).filter((repo): repo is LocalHubRepo => repo !== undefined)
}

function entryOf(hub: LocalHub, repo: LocalHubRepo): Record<string, unknown> {
  const info = repo.info
  const config = info.config as { model_type?: string } | undefined
  const tags = [...((info.tags as string[] | undefined) ?? []), ...(config?.model_type ? [config.model_type] : [])]
  return {
    _id: repo.commit.slice(0, 24),
    id: repo.id,
    private: false,
    gated: repo.gated,
    downloads: 0,
    likes: 0,
    lastModified: '2026-01-01T00:00:00.000Z',
    pipeline_tag: 'text-generation',
    sha: repo.commit,
    ...info,
    tags,
  }
}

export interface SearchableModelOptions extends TinyModelOptions {
  downloads?: number
  likes?: number
  license?: string
  gated?: false | 'auto' | 'manual'
  /** config.json fields over the tiny model's (e.g. another model_type). */
  configFields?: Record<string, unknown>
  /** Serve pickled pytorch_model.bin weights instead of safetensors. */
  withoutSafetensors?: boolean
}

/**
 * A tiny model of `arch` served as `id` and listed by the search route, with what the Hub reports of
 * it. Registered on the hub so searchRoutes finds it (repos added otherwise are not searched).
 */
export async function addSearchableModel(hub: HubServer, id: string, arch: TinyArch, options: SearchableModelOptions = {}): Promise<LocalHubRepo> {
  let parameters: Record<string, number> | null = null
  const { repo, model } = await hub.addTinyModel(id, arch, {
    ...options,
    editFolder: (dir) => {
      parameters = options.withoutSafetensors ? null : parametersByDtype(dir)
      if (options.withoutSafetensors) replaceWeightsWithPickle(dir)
    },
    repo: { gated: options.gated ?? false },
  })
  const counted = parameters as Record<string, number> | null
  repo.info = {
    config: { ...model.config, ...options.configFields },
    downloads: options.downloads ?? 0,
    likes: options.likes ?? 0,
    tags: [...(counted ? ['safetensors'] : ['pytorch']), ...(options.license ? [`license:${options.license}`] : [])],
    ...(counted ? { safetensors: { parameters: counted, total: Object.values(counted).reduce((a, b) => a + b, 0) } } : {}),
  }
  searchableIds.set(hub, [...(searchableIds.get(hub) ?? []), id])
  return repo
}

/** Values of each dtype over a folder's safetensors files, read from their headers, as the Hub counts them. */
export function parametersByDtype(dir: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.safetensors'))) {
    for (const tensor of Object.values(safetensorsHeader(join(dir, name)))) {
      counts[tensor.dtype] = (counts[tensor.dtype] ?? 0) + tensor.shape.reduce((a, b) => a * b, 1)
    }
  }
  return counts
}

/** Bytes of a safetensors file's JSON header, with the 8 bytes giving its length. */
export function safetensorsHeaderBytes(path: string): number {
  return 8 + Number(readFileSync(path).readBigUInt64LE(0))
}

function safetensorsHeader(path: string): Record<string, { dtype: string; shape: number[] }> {
  const bytes = readFileSync(path)
  const length = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>
  delete header.__metadata__
  return header
}

function replaceWeightsWithPickle(dir: string): void {
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json')) {
    const path = join(dir, name)
    const bytes = readFileSync(path)
    rmSync(path)
    // Not a real pickle: a repo is refused by its file names before any byte is read.
    writeFileSync(join(dir, name.endsWith('.json') ? 'pytorch_model.bin.index.json' : name.replace(/^model/, 'pytorch_model').replace(/\.safetensors$/, '.bin')), bytes)
  }
}
