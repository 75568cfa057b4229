import { describe, expect, it } from 'vitest'
import { useTempStore } from '../../helpers/temp-store'

const temp = useTempStore()

describe('run answers repository', () => {
  it("keeps a run's answers by step then prompt, apart from other runs', and reads those after a step", () => {
    const a = temp.store.runs.create({ name: 'a', config: {} }).id
    const b = temp.store.runs.create({ name: 'b', config: {} }).id
    temp.store.runAnswers.put(a, 10, [{ promptIndex: 1, prompt: 'Capital of France?', answer: 'Lyon' }, { promptIndex: 0, prompt: '2+2=', answer: '5' }])
    temp.store.runAnswers.put(b, 10, [{ promptIndex: 0, prompt: 'other', answer: 'x' }])
    temp.store.runAnswers.put(a, 0, [{ promptIndex: 0, prompt: '2+2=', answer: '' }])
    expect(temp.store.runAnswers.list(a).map((r) => [r.step, r.promptIndex, r.answer])).toEqual([[0, 0, ''], [10, 0, '5'], [10, 1, 'Lyon']])
    expect(temp.store.runAnswers.list(a, 0).map((r) => r.step)).toEqual([10, 10])
  })

  it('replaces the answers of a step answered again after a resume', () => {
    const run = temp.store.runs.create({ name: 'resumed', config: {} }).id
    temp.store.runAnswers.put(run, 20, [{ promptIndex: 0, prompt: 'p', answer: 'before the crash' }])
    temp.store.runAnswers.put(run, 20, [{ promptIndex: 0, prompt: 'p', answer: 'after resuming' }])
    expect(temp.store.runAnswers.list(run)).toEqual([{ step: 20, promptIndex: 0, prompt: 'p', answer: 'after resuming' }])
  })

  it('go away with their run', () => {
    const run = temp.store.runs.create({ name: 'gone', config: {} }).id
    temp.store.runAnswers.put(run, 5, [{ promptIndex: 0, prompt: 'p', answer: 'a' }])
    temp.store.runs.delete(run)
    expect(temp.store.db.prepare('SELECT count(*) FROM run_answers').pluck().get()).toBe(0)
  })
})
