// The cheap count behind runsStart's refusal of a split on a file never imported: non-blank
// lines of line-based files, nothing claimed for files whose examples are not lines.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { examplesAtMost } from '../../../main/data/examples-bound'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: { dir: string; remove: () => void }
beforeEach(() => (temp = makeTempDir('ms-examples-bound-')))
afterEach(() => temp.remove())

function file(name: string, text: string | Buffer): string {
  const path = join(temp.dir, name)
  writeFileSync(path, text)
  return path
}

describe('examplesAtMost', () => {
  it('counts the non-blank lines of JSON Lines, CSV and text, with or without a last newline or a BOM', () => {
    expect(examplesAtMost(file('a.jsonl', '{"text":"a"}\n\n  \r\n{"text":"b"}\r\n{"text":"c"}'))).toBe(3)
    expect(examplesAtMost(file('b.csv', '\ufeffprompt,completion\nx,y\nz,w\n'))).toBe(3)
    expect(examplesAtMost(file('c.txt', 'one\ntwo\n\n'))).toBe(2)
  })

  it('claims nothing for a JSON array, UTF-16, or a file that is not there', () => {
    expect(examplesAtMost(file('d.json', '[{"text":"a"},\n{"text":"b"}]'))).toBeNull()
    expect(examplesAtMost(file('e.jsonl', Buffer.from('\ufeff{"text":"a"}\n', 'utf16le')))).toBeNull()
    expect(examplesAtMost(join(temp.dir, 'missing.jsonl'))).toBeNull()
  })
})
