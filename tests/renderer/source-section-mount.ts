// New run's Model and data section, mounted with a router (its links go to the Models page), for
// the tests of its selects. Import it after the test file's vi.mock of the api.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import { createMemoryHistory, createRouter } from 'vue-router'

export async function mountSourceSection(): Promise<VueWrapper> {
  const { default: SourceSection } = await import('../../renderer/src/components/new-run/SourceSection.vue')
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/', component: SourceSection }, { path: '/models', name: 'models', component: SourceSection }] })
  const wrapper = mount(SourceSection, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

/** The select with this data-testid. */
export function selectByTestId(page: VueWrapper, testId: string) {
  return page.findAllComponents(NSelect).find((s) => s.attributes('data-testid') === testId)!
}
