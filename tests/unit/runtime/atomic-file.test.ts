import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { writeFileAtomicSync } from '../../../main/runtime/file-writes'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir> | null = null
afterEach(() => temp?.remove())

describe('writeFileAtomicSync (a run config.json, the settings, the Hub token)', () => {
  it('replaces the file whole and leaves no temporary file beside it', () => {
    temp = makeTempDir()
    const file = join(temp.dir, 'config.json')
    writeFileSync(file, 'old')
    writeFileAtomicSync(file, '{"new": true}\n')
    expect(readFileSync(file, 'utf8')).toBe('{"new": true}\n')
    expect(readdirSync(temp.dir)).toEqual(['config.json'])
  })

  it('gives the file the mode asked for, even replacing one that others could read', () => {
    temp = makeTempDir()
    const file = join(temp.dir, 'hub-token')
    writeFileSync(file, 'old', { mode: 0o644 })
    writeFileAtomicSync(file, 'hf_secret', { mode: 0o600 })
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('leaves the previous file and no temporary file when the new one cannot be put in place', () => {
    temp = makeTempDir()
    const file = join(temp.dir, 'settings.json')
    writeFileSync(file, 'previous')
    // A folder where the file should go: the rename fails after the temporary file was written.
    expect(() => writeFileAtomicSync(temp!.dir, 'x')).toThrow()
    expect(readFileSync(file, 'utf8')).toBe('previous')
    expect(readdirSync(temp.dir)).toEqual(['settings.json'])
    expect(existsSync(`${temp.dir}.${process.pid}.tmp`)).toBe(false)
  })
})
