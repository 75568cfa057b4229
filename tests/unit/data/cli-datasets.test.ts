import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from './model-folder'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-data-cli-')))
afterEach(() => temp.remove())

const run = (args: string[]) => runCli(args, { home: join(temp.dir, 'home') })

describe('mixture-studio datasets', () => {
  it('imports with a remapped column, lists and shows', async () => {
    const path = join(temp.dir, 'qa.csv')
    writeFileSync(path, 'q,reply\nWhat is 2+2?,4\nName a colour,Blue\nEmpty,\n')
    const model = writeTinyModel(join(temp.dir, 'model'))

    const stopped = await run(['datasets', 'import', path, '--map', 'prompt=q', '--map', 'completion=reply', '--format', 'prompt-completion'])
    expect(stopped.code).toBe(1)
    expect(stopped.stderr).toContain(`${path}:4: empty completion: "completion" (column "reply") is empty (import stopped`)

    const imported = await run([
      'datasets', 'import', path, '--format', 'prompt-completion', '--map', 'prompt=q', '--map', 'completion=reply',
      '--on-error', 'skip', '--model', model, '--max-length', '256', '--validation', '0.5', '--json',
    ])
    expect(imported.code).toBe(0)
    const detail = JSON.parse(imported.stdout)
    expect(detail).toMatchObject({ format: 'prompt-completion', mapping: { prompt: 'q', completion: 'reply' }, numExamples: 2, numSkipped: 1 })
    expect(detail.report.counts).toMatchObject({ train: 1, validation: 1 })
    expect(detail.caches).toHaveLength(1)

    const list = await run(['datasets', 'list'])
    expect(list.stdout).toMatch(new RegExp(`${detail.id}\\s+qa\\.csv\\s+prompt-completion\\s+2\\s+1`))
    const shown = await run(['datasets', 'show', detail.id])
    expect(shown.stdout).toContain(`${path}:4: empty completion`)
    expect(shown.stdout).toContain('1 train / 1 validation')
  })

  it('usage errors exit 2', async () => {
    expect((await run(['datasets', 'import'])).code).toBe(2)
    expect((await run(['datasets', 'import', 'x.jsonl', '--map', 'nonsense'])).code).toBe(2)
    expect((await run(['datasets', 'frobnicate'])).code).toBe(2)
  })
})
