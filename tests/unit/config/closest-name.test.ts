import { describe, expect, it } from 'vitest'
import { closestName, editDistance } from '../../../main/config/closest-name'

describe('editDistance', () => {
  it('counts inserts, deletes, replacements and a swap of neighbours as one edit each', () => {
    expect(editDistance('max_steps', 'max_steps')).toBe(0)
    expect(editDistance('max_step', 'max_steps')).toBe(1)
    expect(editDistance('lr', 'lrr')).toBe(1)
    expect(editDistance('rnak', 'rank')).toBe(1)
    expect(editDistance('seed', 'need')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})

describe('closestName', () => {
  const train = ['optimizer', 'lr', 'weight_decay', 'schedule', 'warmup_steps', 'batch_size', 'grad_accum', 'max_steps', 'epochs', 'seed', 'eval_every', 'save_every']
  it('finds the field a typo stands for, case and dashes aside', () => {
    expect(closestName('batchsize', train)).toBe('batch_size')
    expect(closestName('Max-Steps', train)).toBe('max_steps')
    expect(closestName('shedule', train)).toBe('schedule')
  })

  it('suggests nothing far off, or where two are equally near', () => {
    expect(closestName('momentum', train)).toBeNull()
    expect(closestName('xx', ['lr', 'ab'])).toBeNull()
    expect(closestName('abcd', ['abce', 'abcf'])).toBeNull()
    // A short name takes one edit at most: "ep" is not "lr".
    expect(closestName('ep', ['lr'])).toBeNull()
  })
})
