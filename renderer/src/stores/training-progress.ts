import { defineStore } from 'pinia'
import { ref } from 'vue'
import { progressTitlePrefix, TrainingProgress, type OverallProgress } from '../../../main/contract/training-progress'
import { api, onEventsReconnected } from '../api'
import { setProgressPrefix } from '../window-title'

/**
 * How far the training runs are (main/contract/training-progress.ts), from every run event the
 * app receives, kept in the window's title for as long as the app is open.
 */
export const useTrainingProgressStore = defineStore('training-progress', () => {
  const overall = ref<OverallProgress | null>(null)
  const tracker = new TrainingProgress()
  let started = false

  function start(): void {
    if (started) return
    started = true
    api.onRunEvent((event) => {
      if (tracker.take(event)) show()
    })
    // Events missed while the stream was down may include a run's end: start again from the next step.
    onEventsReconnected(() => {
      tracker.clear()
      show()
    })
  }

  function show(): void {
    overall.value = tracker.overall()
    setProgressPrefix(progressTitlePrefix(overall.value))
  }

  return { overall, start }
})
