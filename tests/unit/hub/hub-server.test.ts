// The local Hub answers the real @huggingface/hub client as huggingface.co does, so the download
// tests that rely on it test something: info with the commit, a tree with LFS sha256s that match
// the bytes, resolve with a redirect to another origin, Range, gated and missing repos.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { listFiles, modelInfo } from '@huggingface/hub'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startHubServer, type HubServer } from '../../helpers/hub-server'

let hub: HubServer
beforeAll(async () => {
  hub = await startHubServer()
})
afterAll(() => hub.close())

describe('local Hub', () => {
  test('modelInfo gives the commit and config; listFiles gives sizes and the LFS sha256 of the bytes', async () => {
    const { repo, model } = await hub.addTinyModel('org/info', 'qwen2')
    const info = await modelInfo({ name: 'org/info', hubUrl: hub.url, additionalFields: ['sha', 'config'] })
    expect(info.sha).toBe(repo.commit)
    expect((info.config as { model_type: string }).model_type).toBe('qwen2')
    const entries = []
    for await (const entry of listFiles({ repo: 'org/info', hubUrl: hub.url, revision: 'main', recursive: true })) entries.push(entry)
    const weights = entries.find((e) => e.path === 'model.safetensors')
    const bytes = readFileSync(join(model.dir, 'model.safetensors'))
    expect(weights?.size).toBe(bytes.length)
    expect(weights?.lfs?.oid).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect(entries.find((e) => e.path === 'config.json')?.lfs).toBeUndefined()
  })

  test('resolve redirects an LFS file to the CDN origin, which answers a Range with 206 and Content-Range', async () => {
    const { model } = await hub.addTinyModel('org/lfs', 'llama')
    const head = await fetch(`${hub.url}/org/lfs/resolve/main/model.safetensors`, { method: 'HEAD', redirect: 'manual' })
    expect(head.status).toBe(302)
    const location = head.headers.get('location') ?? ''
    expect(new URL(location).origin).toBe(hub.cdnUrl)
    expect(new URL(location).origin).not.toBe(hub.url)
    const bytes = readFileSync(join(model.dir, 'model.safetensors'))
    expect(head.headers.get('x-linked-size')).toBe(String(bytes.length))
    expect(head.headers.get('x-linked-etag')).toBe(`"${createHash('sha256').update(bytes).digest('hex')}"`)
    const part = await fetch(location, { headers: { Range: 'bytes=100-' } })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe(`bytes 100-${bytes.length - 1}/${bytes.length}`)
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100))).toBe(true)
  })

  test('gated: 401 without a token, 403 with one not accepted, the file with an accepted one', async () => {
    hub.validTokens.add('hf_yes').add('hf_no')
    await hub.addTinyModel('org/gated', 'gpt2', { repo: { gated: 'manual', acceptedTokens: ['hf_yes'] } })
    const url = `${hub.url}/org/gated/resolve/main/config.json`
    const anonymous = await fetch(url)
    expect([anonymous.status, anonymous.headers.get('x-error-code')]).toEqual([401, 'GatedRepo'])
    const refused = await fetch(url, { headers: { Authorization: 'Bearer hf_no' } })
    expect([refused.status, refused.headers.get('x-error-code')]).toEqual([403, 'GatedRepo'])
    expect((await fetch(url, { headers: { Authorization: 'Bearer hf_yes' } })).status).toBe(200)
    expect((await fetch(url, { headers: { Authorization: 'Bearer hf_unknown' } })).status).toBe(401)
  })

  test('404 with the Hub error codes for a missing repo, revision and file', async () => {
    await hub.addTinyModel('org/there', 'gpt2')
    const code = async (path: string) => {
      const response = await fetch(`${hub.url}${path}`)
      return [response.status, response.headers.get('x-error-code')]
    }
    expect(await code('/org/missing/resolve/main/config.json')).toEqual([404, 'RepoNotFound'])
    expect(await code('/org/there/resolve/v9/config.json')).toEqual([404, 'RevisionNotFound'])
    expect(await code('/org/there/resolve/main/nothing.json')).toEqual([404, 'EntryNotFound'])
  })

  test('knobs: a cut response stops after N bytes; a corrupted byte is flipped until repaired; requests are logged', async () => {
    const { model } = await hub.addTinyModel('org/knobs', 'llama')
    const url = `${hub.url}/org/knobs/resolve/main/tokenizer.json`
    const bytes = readFileSync(join(model.dir, 'tokenizer.json'))
    hub.cutAfter('org/knobs', 'tokenizer.json', 100)
    await expect(fetch(url).then((r) => r.arrayBuffer())).rejects.toThrow()
    hub.corrupt('org/knobs', 'tokenizer.json', 7)
    const corrupted = Buffer.from(await (await fetch(url)).arrayBuffer())
    expect(corrupted.length).toBe(bytes.length)
    expect(corrupted[7]).toBe(bytes[7] ^ 0xff)
    hub.repair('org/knobs', 'tokenizer.json')
    expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(bytes)).toBe(true)
    expect(hub.requests.filter((r) => r.url === '/org/knobs/resolve/main/tokenizer.json')).toHaveLength(3)
  })
})
