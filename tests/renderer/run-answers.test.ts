import { describe, expect, it } from 'vitest'
import { answerGrid, mergeAnswers } from '../../renderer/src/runs/answers'

const a = (step: number, promptIndex: number, answer: string, prompt = `prompt ${promptIndex}`) => ({ step, promptIndex, prompt, answer })

describe('run answers on the Run page', () => {
  it('merge by step and prompt, in order, the newer answer of a repeated step winning', () => {
    const held = [a(0, 0, 'x'), a(10, 0, 'y'), a(10, 1, 'z')]
    expect(mergeAnswers(held, [a(10, 1, 'Z'), a(5, 0, 'w')])).toEqual([a(0, 0, 'x'), a(5, 0, 'w'), a(10, 0, 'y'), a(10, 1, 'Z')])
    expect(mergeAnswers(held, [])).toBe(held)
  })

  it('grid: a row per step newest first, a column per prompt, changes marked against the step before', () => {
    const grid = answerGrid([a(0, 0, 'Paris?'), a(0, 1, '5'), a(10, 0, 'Paris'), a(10, 1, '5'), a(20, 0, 'Paris')])
    expect(grid.prompts).toEqual([{ index: 0, text: 'prompt 0' }, { index: 1, text: 'prompt 1' }])
    expect(grid.rows).toEqual([
      { step: 20, answers: ['Paris', null], changed: [false, false] },
      { step: 10, answers: ['Paris', '5'], changed: [true, false] },
      { step: 0, answers: ['Paris?', '5'], changed: [false, false] },
    ])
  })

  it('grid: a prompt edited for a resumed run shows its newest text', () => {
    expect(answerGrid([a(0, 0, 'x', 'old text'), a(10, 0, 'y', 'new text')]).prompts).toEqual([{ index: 0, text: 'new text' }])
  })
})
