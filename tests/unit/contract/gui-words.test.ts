// The app shows the services' messages without the CLI's flags: the same advice, in terms of the
// app's own controls. Each message here is made by the code that writes it, so a reworded
// service message that the table no longer matches fails here instead of reaching the app.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatasetRowError } from '../../../main/data/errors'
import { resolveMapping } from '../../../main/data/mapping'
import { checkExportTarget } from '../../../main/export/export-target'
import { inGuiWords } from '../../../main/contract/gui-words'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-gui-words-')))
afterEach(() => temp.remove())

const CLI_FLAG = /(^|\s|\()--[a-z]/

function messageOf(action: () => unknown): string {
  try {
    action()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

describe('service messages shown in the app', () => {
  it('say "Skip bad rows" where the CLI says --on-error skip', () => {
    const cli = new DatasetRowError({ file: '/data/train.jsonl', line: 3, reason: 'bad JSON' }).message
    expect(cli).toContain('--on-error skip')
    const shown = inGuiWords(cli)
    expect(shown).not.toMatch(CLI_FLAG)
    expect(shown).toContain('/data/train.jsonl:3')
    expect(shown).toContain('choose "Skip bad rows" in the Check rows step')
  })

  it('say which box to tick where the CLI says --force', () => {
    const folder = join(temp.dir, 'out')
    mkdirSync(folder)
    writeFileSync(join(folder, 'notes.txt'), 'mine')
    const cli = messageOf(() => checkExportTarget(folder, { format: 'peft', overwrite: false, reads: [], studio: null }))
    expect(cli).toContain('--force')
    const shown = inGuiWords(cli)
    expect(shown).not.toMatch(CLI_FLAG)
    expect(shown).toContain('tick "Replace a previous export in this folder"')
  })

  it('point to the Mapping step where the CLI says --map', () => {
    const cli = messageOf(() => resolveMapping('prompt-completion', ['colour', 'size'], {}, {}))
    expect(cli).toContain('--map prompt=COLUMN')
    const shown = inGuiWords(cli)
    expect(shown).not.toMatch(CLI_FLAG)
    expect(shown).toContain('choose the column for "prompt" in the Mapping step')
  })
})
