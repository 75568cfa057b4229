// What a typed RUN or ID names (main/cli/id-argument.ts): the id, a unique start of it, or a unique name.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CliFailure } from '../../../main/cli/command'
import { matchIdArgument } from '../../../main/cli/id-argument'
import { readNamedItems } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'

const runs = [
  { id: '79d3c192-0c59-427b-9b1e-37d4788b68df', name: 'demo: MoV' },
  { id: '14194e97-284e-40af-be0a-ad9b4638d507', name: 'int4 molora' },
  { id: '1419ffff-0000-4000-8000-000000000000', name: 'int4 molora' },
  { id: 'abcd0000-0000-4000-8000-000000000000', name: '79d3' },
]

describe('matchIdArgument', () => {
  it('takes a whole id as it is, even where it is also the start or name of another', () => {
    expect(matchIdArgument(runs[0].id, runs, 'run')).toBe(runs[0].id)
  })

  it('takes the start of one id only, 4 characters or more, in either case', () => {
    expect(matchIdArgument('14194', runs, 'run')).toBe(runs[1].id)
    expect(matchIdArgument('14194E97-284', runs, 'run')).toBe(runs[1].id)
    expect(matchIdArgument('abcd', runs, 'run')).toBe(runs[3].id)
    expect(matchIdArgument('abc', runs, 'run')).toBeNull()
  })

  it('takes a name that one item has', () => {
    expect(matchIdArgument('demo: MoV', runs, 'run')).toBe(runs[0].id)
    expect(matchIdArgument('demo: mov', runs, 'run')).toBeNull()
  })

  it('refuses a start or name that several have, listing them', () => {
    expect(() => matchIdArgument('1419', runs, 'run')).toThrow(CliFailure)
    expect(() => matchIdArgument('1419', runs, 'run')).toThrow(
      `"1419" names 2 runs: ${runs[1].id} (int4 molora), ${runs[2].id} (int4 molora). Give more of the id of the one you mean (\`mixture-studio runs list\`)`,
    )
    expect(() => matchIdArgument('int4 molora', runs, 'run')).toThrow(/names 2 runs: .*\. Give the id of the one you mean \(`mixture-studio runs list`\)$/)
    // One run's id starts "79d3", another is named so: both are meant, so neither is picked.
    expect(() => matchIdArgument('79d3', runs, 'run')).toThrow(/"79d3" names 2 runs/)
  })

  it('lists at most five of many', () => {
    const many = Array.from({ length: 8 }, (_, i) => ({ id: `aaaa${i}000-0000-4000-8000-000000000000`, name: `m${i}` }))
    expect(() => matchIdArgument('aaaa', many, 'model')).toThrow(/names 8 models: (aaaa\d000[^,]+, ){4}aaaa4000[^,]+, and 3 more\. Give more of the id of the one you mean \(`mixture-studio models list`\)$/)
  })

  it('gives null for what names nothing, so the command says it is unknown', () => {
    expect(matchIdArgument('zzzz', runs, 'run')).toBeNull()
    expect(matchIdArgument('', runs, 'run')).toBeNull()
  })
})

describe('readNamedItems', () => {
  it('reads nothing, and creates nothing, where there is no store', () => {
    const temp = makeTempDir('ms-named-')
    try {
      const home = join(temp.dir, 'home')
      expect(readNamedItems(home, 'run')).toEqual([])
      expect(existsSync(home)).toBe(false)
    } finally {
      temp.remove()
    }
  })
})
