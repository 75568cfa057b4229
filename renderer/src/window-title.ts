// The window's (or browser tab's) title: the page's, after the training progress when a run
// trains ("43% · Run · Mixture Studio"), so a run's progress shows in the taskbar, the tab strip
// and the window switcher while the app is out of sight.
import { ref, watchEffect } from 'vue'
import { progressTitlePrefix, TrainingProgress } from '../../main/contract/training-progress'
import { api, onEventsReconnected } from './api'

const pageTitle = ref('Mixture Studio')
const progressPrefix = ref('')

/** The router's, on every navigation. */
export function setPageTitle(title: string | undefined): void {
  pageTitle.value = title ? `${title} · Mixture Studio` : 'Mixture Studio'
}

/**
 * Follows every run event the app receives (main/contract/training-progress.ts) into the title,
 * for as long as the app is open. App.vue calls it once.
 */
export function showTrainingProgressInTitle(): void {
  const tracker = new TrainingProgress()
  const show = () => (progressPrefix.value = progressTitlePrefix(tracker.overall()))
  api.onRunEvent((event) => {
    if (tracker.take(event)) show()
  })
  // Events missed while the stream was down may include a run's end: start again from the next step.
  onEventsReconnected(() => {
    tracker.clear()
    show()
  })
}

watchEffect(() => {
  document.title = `${progressPrefix.value}${pageTitle.value}`
})
