// The window's (or browser tab's) title: the page's, after the training progress when a run
// trains ("43% · Run · Mixture Studio"), so a run's progress shows in the taskbar, the tab strip
// and the window switcher while the app is out of sight.
import { ref, watchEffect } from 'vue'

const pageTitle = ref('Mixture Studio')
const progressPrefix = ref('')

/** The router's, on every navigation. */
export function setPageTitle(title: string | undefined): void {
  pageTitle.value = title ? `${title} · Mixture Studio` : 'Mixture Studio'
}

/** The training progress store's ('' while nothing trains). */
export function setProgressPrefix(prefix: string): void {
  progressPrefix.value = prefix
}

watchEffect(() => {
  document.title = `${progressPrefix.value}${pageTitle.value}`
})
