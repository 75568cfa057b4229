import { spawnSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { removeAbandonedCacheFiles } from '../../../main/data'
import { isProcessAlive } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'

let temp: ReturnType<typeof makeTempDir>
beforeEach(() => {
  temp = makeTempDir('abandoned-cache-')
})
afterEach(() => temp.remove())

/** The pid of a process that has run and ended (reaped), as an import killed outright leaves it. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', ''])
  return child.pid!
}

describe('unfinished tokenized-cache files', () => {
  it("removes what a killed import's writer left, and nothing of a live writer's or of a finished cache", () => {
    const dead = endedPid()
    const cache = 'c2a02c89b46c389fcd35339c960a2b03.tokens'
    const files = {
      finished: cache,
      deadRecords: `${cache}.tmp-${dead}-mxa125ma-34a5y0`,
      deadIndex: `${cache}.index-${dead}-mxa125ma-34a5y0`,
      liveRecords: `other.tokens.tmp-${process.pid}-mxa125mb-aaaaaa`,
      liveIndex: `other.tokens.index-${process.pid}-mxa125mb-aaaaaa`,
      problems: 'd1.problems.jsonl',
    }
    for (const name of Object.values(files)) writeFileSync(join(temp.dir, name), 'x')

    const removed = removeAbandonedCacheFiles(temp.dir, isProcessAlive)

    expect(removed.sort()).toEqual([files.deadIndex, files.deadRecords].sort())
    expect(readdirSync(temp.dir).sort()).toEqual([files.finished, files.liveIndex, files.liveRecords, files.problems].sort())
  })

  it('answers nothing for a cache folder that does not exist yet', () => {
    expect(removeAbandonedCacheFiles(join(temp.dir, 'missing'), isProcessAlive)).toEqual([])
  })
})
