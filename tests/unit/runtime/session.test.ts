import { describe, expect, it } from 'vitest'
import { F, Graph } from '../../../main/engine/ir'
import { createGraphSession, planProviders, SessionError } from '../../../main/runtime'
import type { ProviderFacts } from '../../../main/runtime/execution-providers'

const facts = (platform: NodeJS.Platform, backends: string[], libraries: string[] = []): ProviderFacts => ({
  platform,
  arch: 'x64',
  backends: backends.map((name) => ({ name, bundled: name !== 'cuda' && name !== 'tensorrt' })),
  hasProviderLibrary: (name) => libraries.includes(name),
})

describe('provider plan (docs/DESIGN.md "Execution providers")', () => {
  it('Linux: cuda -> webgpu -> cpu, cuda only when its libraries are installed', () => {
    const withCuda = planProviders('auto', facts('linux', ['cpu', 'webgpu', 'cuda'], ['cuda']))
    expect(withCuda.candidates).toEqual(['cuda', 'webgpu', 'cpu'])
    const without = planProviders('auto', facts('linux', ['cpu', 'webgpu', 'cuda']))
    expect(without.candidates).toEqual(['webgpu', 'cpu'])
    expect(without.skipped.find((s) => s.provider === 'cuda')!.reason).toMatch(/not installed/)
    expect(without.skipped.find((s) => s.provider === 'dml')!.reason).toMatch(/not used on linux/)
  })

  it('Windows: dml -> webgpu -> cpu; macOS: webgpu -> cpu', () => {
    expect(planProviders('auto', facts('win32', ['cpu', 'webgpu', 'dml'])).candidates).toEqual(['dml', 'webgpu', 'cpu'])
    expect(planProviders('auto', facts('darwin', ['cpu', 'webgpu'])).candidates).toEqual(['webgpu', 'cpu'])
  })

  it('an explicit device is the only candidate, and says why it is unavailable', () => {
    const plan = planProviders('dml', facts('linux', ['cpu', 'webgpu']))
    expect(plan.candidates).toEqual([])
    expect(plan.skipped.find((s) => s.provider === 'dml')!.reason).toMatch(/DirectML runs only on Windows/)
  })
})

function identityGraph(): Graph {
  const g = new Graph()
  g.output('h_out', F.identity(g.input('h', 'float16', [3])))
  g.output('i_out', F.add(g.input('i', 'int64', ['n']), 1))
  g.output('b_out', F.not(g.input('b', 'bool', [2])))
  g.output('f_out', F.identity(g.input('f', 'float32', [2])))
  return g
}

describe('createSession / run', () => {
  it('chooses a provider on this machine and gives a reason for every other one', async () => {
    const session = await createGraphSession(identityGraph())
    const others = ['cpu', 'cuda', 'webgpu', 'dml'].filter((p) => p !== session.provider)
    expect(session.rejected.map((r) => r.provider).sort()).toEqual(others.sort())
    for (const r of session.rejected) expect(r.reason.length).toBeGreaterThan(5)
    await session.dispose()
  })

  it('refuses a device this machine cannot use, saying why', async () => {
    const device = process.platform === 'win32' ? 'cuda' : 'dml'
    await expect(createGraphSession(identityGraph(), { device })).rejects.toThrow(SessionError)
    await expect(createGraphSession(identityGraph(), { device })).rejects.toThrow(new RegExp(`device "${device}" cannot run this graph: ${device}: `))
  })

  it('moves float16 (as Uint16Array bits), int64 (BigInt64Array) and bool across, with checks', async () => {
    const session = await createGraphSession(identityGraph(), { device: 'cpu' })
    const feeds = {
      h: { dtype: 'float16', shape: [3], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) },
      i: { dtype: 'int64', shape: [2], data: BigInt64Array.from([2n ** 40n, -5n]) },
      b: { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) },
      f: { dtype: 'float32', shape: [2], data: Float32Array.from([1.5, -2.25]) },
    } as const
    const out = await session.run(feeds)
    expect(out.h_out).toEqual({ dtype: 'float16', shape: [3], data: feeds.h.data })
    // Beside float16's bits, the other types come back as they are.
    expect(out.f_out).toEqual({ dtype: 'float32', shape: [2], data: feeds.f.data })
    expect(out.i_out.data).toEqual(BigInt64Array.from([2n ** 40n + 1n, -4n]))
    expect(Array.from(out.b_out.data as Uint8Array)).toEqual([0, 1])
    expect(Object.keys(await session.run(feeds, ['i_out']))).toEqual(['i_out'])
    await expect(session.run({ h: feeds.h, i: feeds.i, f: feeds.f })).rejects.toThrow(/missing graph input\(s\): b/)
    await expect(session.run(feeds, ['nope'])).rejects.toThrow(/"nope" is not a graph output/)
    await expect(session.run({ ...feeds, h: { dtype: 'float16', shape: [4], data: new Uint16Array(3) } })).rejects.toThrow(/input "h": shape \[4\] needs 4 elements, got 3/)
    await session.dispose()
  })
})
