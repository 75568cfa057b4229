import { describe, expect, it } from 'vitest'
import { calls, events } from '../../../main/contract'
import { callNames, eventNames } from '../../../main/contract/names'

describe('contract names', () => {
  it('lists exactly the calls declared in the contract, in order', () => {
    expect([...callNames]).toEqual(Object.keys(calls))
  })

  it('lists exactly the events declared in the contract, in order', () => {
    expect([...eventNames]).toEqual(Object.keys(events))
  })

  it('names every event onXxx', () => {
    for (const name of eventNames) expect(name).toMatch(/^on[A-Z]/)
  })
})
