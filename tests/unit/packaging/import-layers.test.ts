// The import-boundary rule (scripts/import-layers.js) run through ESLint with the project's own
// eslint.config.js, on source text placed at a path in a layer: what a maintainer's editor and
// `npm run lint` would say about that import.
import { resolve } from 'node:path'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../../..')
const RULE = 'layers/imports-go-down'

let eslint: ESLint
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT })
})

/** The rule's messages for `code` as if it were the file at `path` (relative to the project). */
async function layerMessages(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, path) })
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message)
}

describe('import layers', () => {
  it('refuses a lower folder importing a higher one, naming both, the file and where the order is written', async () => {
    const messages = await layerMessages('main/engine/models/example.ts', "import { parseModelConfig } from '../../models/config/parse'\nexport const parse = parseModelConfig\n")
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain('main/engine may not import main/models (main/models/config/parse)')
    expect(messages[0]).toContain('scripts/import-layers.js')
    expect(messages[0]).toContain('Move what both need into main/engine or a layer below it')
  })

  it('counts type-only imports, export-from, import() and import types', async () => {
    const code = [
      "import type { Store } from '../store'",
      "export { createServices } from '../services'",
      "export * from '../cli/commands'",
      "export const later = () => import('../server')",
      "export type Runner = import('../jobs/kinds/service-job').WorkContextLike",
      'export type Kept = Store',
    ].join('\n')
    const messages = await layerMessages('main/runtime/example.ts', code)
    expect(messages.map((m) => m.split(':')[0])).toEqual([
      // main/store is below main/runtime: the type import is legal.
      'main/runtime may not import main/services (main/services)',
      'main/runtime may not import main/cli (main/cli/commands)',
      'main/runtime may not import main/server (main/server)',
      'main/runtime may not import main/jobs/kinds (main/jobs/kinds/service-job)',
    ])
  })

  it('lets a folder import the folders below it and its own files', async () => {
    const code = [
      "import type { ModelSpec } from '../engine/models/spec'",
      "import { safeRead } from '../runtime/safetensors'",
      "import { readJsonl } from '../data'",
      "import { folderOf } from './folder'",
      'export const all = [safeRead, readJsonl, folderOf] as unknown as ModelSpec',
    ].join('\n')
    expect(await layerMessages('main/models/example.ts', code)).toEqual([])
    expect(await layerMessages('main/jobs/kinds/example.ts', "export { exportRequested } from '../../services/export-work'\n")).toEqual([])
  })

  it('keeps the job processes entry (jobs/kinds) above the services and the jobs core below them', async () => {
    expect(await layerMessages('main/services/example.ts', "export { WorkStopped } from '../jobs/work-context'\n")).toEqual([])
    const [message] = await layerMessages('main/jobs/runner-example.ts', "export { trainJob } from './kinds/train'\n")
    expect(message).toContain('main/jobs may not import main/jobs/kinds (main/jobs/kinds/train)')
  })

  it('lets only the file a known wrong-way import is listed for keep it', async () => {
    const code = "import { listCheckpoints } from '../train/checkpoint'\nexport const list = listCheckpoints\n"
    expect(await layerMessages('main/store/read-run-folder.ts', code)).toEqual([])
    const [message] = await layerMessages('main/store/another-reader.ts', code)
    expect(message).toContain('main/store may not import main/train (main/train/checkpoint)')
  })

  it('lets the renderer import only the main/ files tsconfig.web.json compiles for the browser', async () => {
    expect(await layerMessages('renderer/src/stores/example.ts', "export { RunConfig } from '../../../main/contract'\nexport { splitCounts } from '../../../main/data/split'\n")).toEqual([])
    const [message] = await layerMessages('renderer/src/stores/example.ts', "export { runTraining } from '../../../main/train/run-training'\n")
    expect(message).toContain('renderer/ runs in the browser and may import from main/ only the files tsconfig.web.json includes; main/train/run-training is not one')
    const component = `<script setup lang="ts">\nimport { openStore } from '../../../../main/store'\nconsole.log(openStore)\n</script>\n<template><div /></template>\n`
    const [inComponent] = await layerMessages('renderer/src/components/run/Example.vue', component)
    expect(inComponent).toContain('main/store is not one')
  })

  it('keeps the reference forward passes apart from the engine and the models they check', async () => {
    expect(await layerMessages('tests/reference/example.ts', "export { readSafetensorsHeader } from '../../main/runtime/safetensors'\n")).toEqual([])
    const messages = await layerMessages('tests/reference/example.ts', "export { rmsNorm } from '../../main/engine/nn'\nexport type { ModelSpec } from '../../main/engine/models/spec'\nexport { openModel } from '../../main/models'\n")
    expect(messages.map((m) => m.split(':')[0])).toEqual([
      'tests/reference may not import main/engine/nn',
      'tests/reference may not import main/engine/models/spec',
      'tests/reference may not import main/models',
    ])
  })

  it('names a main/ folder that has no place in the order', async () => {
    const [message] = await layerMessages('main/plugins/example.ts', 'export const x = 1\n')
    expect(message).toContain('main/plugins/example.ts is in no layer: add its folder to MAIN_LAYERS')
    const [imported] = await layerMessages('main/cli/example.ts', "export { x } from '../plugins/example'\n")
    expect(imported).toContain('main/plugins/example is in no layer')
  })
})
