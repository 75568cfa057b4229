// For renderer tests that mount a component whose modal naive-ui teleports to document.body:
// before each test a fresh fake api and Pinia store; after it, the component unmounted and the
// body emptied, so a dialog left open cannot answer the next test's queries.
import type { VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach } from 'vitest'
import { fake } from './fake-api'

export interface MountedPerTest {
  /** Keeps `wrapper` to unmount after the test; returns it. */
  keep<W extends VueWrapper>(wrapper: W): W
}

/** Registers the hooks in the calling scope (a file or a describe block). */
export function mountedPerTest(): MountedPerTest {
  let mounted: VueWrapper | null = null
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })
  afterEach(() => {
    mounted?.unmount()
    mounted = null
    document.body.innerHTML = ''
  })
  return {
    keep(wrapper) {
      mounted = wrapper
      return wrapper
    },
  }
}
