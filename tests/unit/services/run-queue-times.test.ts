import { describe, expect, it } from 'vitest'
import { expectedStarts } from '../../../main/services/run-queue-times'

const run = (runId: string, seconds: number | null) => ({ runId, name: `run ${runId}`, seconds })

describe('expectedStarts (the Queue panel\'s times)', () => {
  it('adds the running run\'s remaining time and the estimates of the queued runs before each', () => {
    expect(expectedStarts([run('a', 100)], [run('b', 50), run('c', 20)], 1)).toEqual([
      { runId: 'b', startsInSeconds: 100, after: { runId: 'a', name: 'run a' } },
      { runId: 'c', startsInSeconds: 150, after: { runId: 'b', name: 'run b' } },
    ])
  })

  it('says which run it waits for when a time before it is unknown, and stays unknown after it', () => {
    expect(expectedStarts([run('a', null)], [run('b', 50), run('c', 20)], 1)).toEqual([
      { runId: 'b', startsInSeconds: null, after: { runId: 'a', name: 'run a' } },
      { runId: 'c', startsInSeconds: null, after: { runId: 'b', name: 'run b' } },
    ])
    expect(expectedStarts([run('a', 10)], [run('b', null), run('c', 20)], 1)[1]).toEqual({ runId: 'c', startsInSeconds: null, after: { runId: 'b', name: 'run b' } })
  })

  it('with two places per device, a queued run takes the first place that frees', () => {
    expect(expectedStarts([run('a', 300), run('b', 100)], [run('c', 50), run('d', 500), run('e', 10)], 2)).toEqual([
      { runId: 'c', startsInSeconds: 100, after: { runId: 'b', name: 'run b' } },
      { runId: 'd', startsInSeconds: 150, after: { runId: 'c', name: 'run c' } },
      { runId: 'e', startsInSeconds: 300, after: { runId: 'a', name: 'run a' } },
    ])
  })

  it('a free place starts the first queued run now', () => {
    expect(expectedStarts([], [run('b', 50), run('c', 5)], 1)).toEqual([
      { runId: 'b', startsInSeconds: 0, after: null },
      { runId: 'c', startsInSeconds: 50, after: { runId: 'b', name: 'run b' } },
    ])
  })
})
