import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main, type CliContext } from '../../../main/cli'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => (temp = makeTempDir('ms-cli-datasets-')))
afterEach(() => temp.remove())

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' }
  const context: CliContext = {
    env: { MIXTURE_STUDIO_HOME: join(temp.dir, 'home') },
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    untilInterrupted: () => new Promise(() => {}),
  }
  const code = await main(args, context)
  return { code, ...out }
}

async function importRows(): Promise<{ id: string; path: string }> {
  const path = join(temp.dir, 'rows.jsonl')
  writeFileSync(path, `${JSON.stringify({ prompt: 'Hi', completion: 'Hello.' })}\n`)
  const imported = await cli(['datasets', 'import', path, '--json'])
  expect(imported.code).toBe(0)
  return { id: (JSON.parse(imported.stdout) as { id: string }).id, path }
}

describe('datasets import of a file imported before', () => {
  it('notes the earlier import on stderr and imports it again', async () => {
    const { id, path } = await importRows()
    const again = await cli(['datasets', 'import', path, '--name', 'second'])
    expect(again.code).toBe(0)
    expect(again.stderr).toMatch(new RegExp(`^Note: This file is already imported as dataset ${id} \\(rows\\.jsonl\\) on \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d; importing it again\\.\\n$`))
    expect((await cli(['datasets', 'list'])).stdout).toContain('second')
  })
})

describe('datasets rename and delete', () => {
  it('rename changes the name that list shows', async () => {
    const { id } = await importRows()
    const renamed = await cli(['datasets', 'rename', id, 'Greetings'])
    expect(renamed).toMatchObject({ code: 0, stdout: `Renamed dataset ${id} to "Greetings".\n` })
    expect((await cli(['datasets', 'list'])).stdout).toMatch(new RegExp(`${id}\\s+Greetings\\s`))
    expect((await cli(['datasets', 'rename', id])).code).toBe(2)
    // The start of its id, or its name, names it too.
    expect((await cli(['datasets', 'rename', id.slice(0, 6), 'Hellos'])).stdout).toBe(`Renamed dataset ${id} to "Hellos".\n`)
    expect((await cli(['datasets', 'show', 'Hellos', '--json'])).stdout).toContain(`"id":"${id}"`)
  })

  it('delete forgets the dataset and leaves its file alone', async () => {
    const { id, path } = await importRows()
    const deleted = await cli(['datasets', 'delete', id])
    expect(deleted.code).toBe(0)
    expect(deleted.stdout).toBe(`Deleted dataset ${id} (rows.jsonl) and its tokenized caches; ${path} is untouched.\n`)
    expect(existsSync(path)).toBe(true)
    expect((await cli(['datasets', 'list'])).stdout).toContain('No datasets.')
    const again = await cli(['datasets', 'delete', id])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`There is no dataset ${id}`)
  })
})
