// The New run form's method list (renderer/src/run-config/adapter-methods.ts) comes from the
// run configuration's adapter schema, not the registry: the registry's methods carry their graph
// rewrites, and with them the engine's IR, which the web bundle must not load.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/** Every file a module imports at run time (type-only imports left out), following relative paths. */
function runtimeImports(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const source = readFileSync(file, 'utf8')
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)[^'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), match[1] ?? match[2])
      visit([target, `${target}.ts`, `${target}/index.ts`].find((f) => f.endsWith('.ts') && existsSync(f)) ?? target)
    }
  }
  visit(entry)
  return [...seen]
}

describe('the form\'s adapter methods', () => {
  it('reach the web bundle without the registry and the engine\'s graph code', () => {
    const files = runtimeImports(resolve(__dirname, '../../../renderer/src/run-config/adapter-methods.ts')).map((f) => f.replace(/\\/g, '/'))
    expect(files.some((f) => f.endsWith('main/engine/adapters/config.ts'))).toBe(true)
    expect(files.filter((f) => /main\/engine\/(ir|autodiff|nn|models)\/|adapters\/(registry|index|create)\.ts|rewrite\.ts$/.test(f))).toEqual([])
  })
})
