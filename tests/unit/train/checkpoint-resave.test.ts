// Saving a step's checkpoint again (Cancel right after a save, a resumed run stopped before its
// first step) never loses that step: the old step-N is moved aside, the new one renamed in, and
// only then is the old one deleted. A process killed in between leaves the old one aside, and the
// next listing (what resume reads) or write puts it back.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkpointPath, listCheckpoints, readCheckpoint, writeCheckpoint } from '../../../main/train/checkpoint'
import { makeTempDir } from '../../helpers/temp-dir'
import { saveOf, tinyCheckpoint } from './tiny-checkpoint'

let temp: ReturnType<typeof makeTempDir>
let checkpointsDir: string

beforeEach(() => {
  temp = makeTempDir('ms-resave-')
  checkpointsDir = join(temp.dir, 'checkpoints')
})
afterEach(() => temp.remove())

/**
 * Saves step 5, then saves it again in a process of its own that kills itself (the test-only
 * crash point, as kill -9 would) at `stage` of that save. Returns the signal it ended by.
 */
function saveTwiceKilledAt(stage: string): NodeJS.Signals | null {
  writeCheckpoint(checkpointsDir, tinyCheckpoint(5, 1))
  const script = `const { writeCheckpoint } = await import(${JSON.stringify(resolve('main/train/checkpoint.ts'))});
    const { tinyCheckpoint } = await import(${JSON.stringify(resolve('tests/unit/train/tiny-checkpoint.ts'))});
    writeCheckpoint(${JSON.stringify(checkpointsDir)}, tinyCheckpoint(5, 2));`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf-8',
    timeout: 30_000,
    cwd: resolve('.'),
    env: { ...process.env, MIXTURE_STUDIO_FAULT: `checkpoint-write:5:${stage}` },
  })
  if (child.error) throw child.error
  if (child.status !== null && child.status !== 0) throw new Error(`the saving process failed: ${child.stderr}`)
  return child.signal
}

describe('saving the same step again', () => {
  it('replaces the step\'s checkpoint with the new save and leaves nothing beside it', () => {
    writeCheckpoint(checkpointsDir, tinyCheckpoint(5, 1))
    writeCheckpoint(checkpointsDir, tinyCheckpoint(5, 2))
    expect(readdirSync(checkpointsDir)).toEqual(['step-5'])
    expect(saveOf(readCheckpoint(checkpointPath(checkpointsDir, 5)))).toBe(2)
  })

  it.each([
    // The old step-5 is aside and the new one not yet in place: the old one must come back.
    { stage: 'moved-aside', onDisk: 1 },
    // The new one is in place, the old one not yet deleted: the new one stays, the old one goes.
    { stage: 'renamed', onDisk: 2 },
  ])('a process killed re-saving a step ($stage) leaves that step resumable (save $onDisk), and nothing of the other save', ({ stage, onDisk }) => {
    expect(saveTwiceKilledAt(stage)).toBe('SIGKILL')

    // What resume reads: the newest complete checkpoint.
    const listed = listCheckpoints(checkpointsDir)
    expect(listed.map((c) => c.step)).toEqual([5])
    expect(saveOf(readCheckpoint(listed[0].path))).toBe(onDisk)
    // The next save of the resumed run clears what the killed one left.
    writeCheckpoint(checkpointsDir, tinyCheckpoint(6))
    expect(readdirSync(checkpointsDir).sort()).toEqual(['step-5', 'step-6'])
  })

  it('a step-N that a killed re-save left aside is put back by the next write, not cleared with the temporary folders', () => {
    expect(saveTwiceKilledAt('moved-aside')).toBe('SIGKILL')
    expect(readdirSync(checkpointsDir).some((name) => name.startsWith('step-'))).toBe(false)

    writeCheckpoint(checkpointsDir, tinyCheckpoint(6))
    expect(readdirSync(checkpointsDir).sort()).toEqual(['step-5', 'step-6'])
    expect(saveOf(readCheckpoint(checkpointPath(checkpointsDir, 5)))).toBe(1)
  })
})
