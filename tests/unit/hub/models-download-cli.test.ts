// `models download` from the local Hub: progress events and the result as JSON lines, the model
// registered at its snapshot folder; run again, it is found in the cache with no request; a repo
// with only pickled weights is refused with the reason and nothing registered.
import { renameSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli } from '../../helpers/cli-in-process'
import { startHubServer, type HubServer } from '../../helpers/hub-server'
import { makeTempDir } from '../../helpers/temp-dir'

let hub: HubServer
let temp: ReturnType<typeof makeTempDir>
beforeAll(async () => {
  hub = await startHubServer()
  temp = makeTempDir()
})
afterAll(async () => {
  await hub.close()
  temp.remove()
})

const env = () => ({ HF_ENDPOINT: hub.url, HF_HUB_CACHE: join(temp.dir, 'hf-cache'), HF_TOKEN: '' })
const home = () => join(temp.dir, 'studio')
const events = (stdout: string) => stdout.trim().split('\n').map((text) => JSON.parse(text) as Record<string, unknown>)

describe('models download', () => {
  test('--json: plan, progress events, then done with the registered model at the snapshot folder; again: from the cache, no request', async () => {
    const { repo } = await hub.addTinyModel('org/tiny-qwen', 'qwen2')
    const first = await runCli(['models', 'download', 'org/tiny-qwen', '--json'], { home: home(), env: env() })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const lines = events(first.stdout)
    expect(lines[0]).toMatchObject({ type: 'plan', repo: 'org/tiny-qwen', commit: repo.commit })
    const progress = lines.filter((l) => l.type === 'progress')
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.at(-1)).toMatchObject({ bytes: repo.files.reduce((n, f) => n + f.size, 0) })
    const done = lines.at(-1)!
    const folder = join(env().HF_HUB_CACHE, 'models--org--tiny-qwen', 'snapshots', repo.commit)
    expect(done).toMatchObject({ type: 'done', folder, from_cache: false, registered_before: false, model: { name: 'org/tiny-qwen', path: folder, modelType: 'qwen2' } })

    const listed = await runCli(['models', 'list', '--json'], { home: home() })
    expect(events(listed.stdout).map((m) => m.path)).toEqual([folder])

    hub.requests.length = 0
    const again = await runCli(['models', 'download', 'org/tiny-qwen'], { home: home(), env: env() })
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(`${folder}\n`)
    expect(again.stderr).toContain('already complete in the Hugging Face cache, nothing fetched')
    expect(again.stderr).toContain('Already registered as model')
    expect(hub.requests).toEqual([])
  })

  test('a repo with only pickled weights is refused with the reason, nothing registered', async () => {
    await hub.addTinyModel('org/pickled', 'llama', { editFolder: (dir) => renameSync(join(dir, 'model.safetensors'), join(dir, 'pytorch_model.bin')) })
    const result = await runCli(['models', 'download', 'org/pickled', '--json'], { home: join(temp.dir, 'other-studio'), env: env() })
    expect(result.code).toBe(1)
    expect(events(result.stdout)).toEqual([{ type: 'error', kind: 'no-safetensors', message: expect.stringContaining('org/pickled has no safetensors weights') }])
    const listed = await runCli(['models', 'list', '--json'], { home: join(temp.dir, 'other-studio') })
    expect(listed.stdout).toBe('')
  })

  test('a name that is not ORG/NAME is a usage error', async () => {
    const result = await runCli(['models', 'download', '../etc'], { home: home(), env: env() })
    expect(result.code).toBe(2)
  })
})
