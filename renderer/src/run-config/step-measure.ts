// Timing the configuration on this machine (runsMeasureStep) for the New run estimate. A small
// model is timed by itself once the form settles (a few seconds of a job process); a larger one
// only when the user asks, since its six steps can take minutes.
import { computed, ref } from 'vue'
import type { RunConfigInput, RunEstimate } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from '../stores/jobs'

/** Configurations whose nominal run is shorter than this are timed without asking. */
export const AUTO_MEASURE_MAX_STEP_SECONDS = 2
/** And whose base model is at most this large. */
export const AUTO_MEASURE_MAX_PARAMETERS = 50_000_000

/** Whether to time this estimate's configuration without being asked. */
export function shouldMeasureByItself(estimate: RunEstimate): boolean {
  return (
    estimate.measurable &&
    estimate.time.basis !== 'measured-step' &&
    estimate.baseParameters <= AUTO_MEASURE_MAX_PARAMETERS &&
    estimate.time.secondsPerStep <= AUTO_MEASURE_MAX_STEP_SECONDS
  )
}

export function useStepMeasure(refresh: () => Promise<void>) {
  const measuring = ref(false)
  // What the step-timing job says it is doing: the first time with a quantized base it makes the
  // quantized copy, minutes for a large model, tensor by tensor.
  const jobs = useJobsStore()
  jobs.listen()
  const progress = computed(() => (measuring.value ? (jobs.all.find((j) => j.kind === 'step-timing' && j.state === 'running')?.progress ?? null) : null))
  const error = ref<ApiCallError | null>(null)
  /** Keys of configurations timed (or failed) by themselves: each is tried once. */
  const tried = new Set<string>()

  async function measure(config: RunConfigInput): Promise<void> {
    if (measuring.value) return
    measuring.value = true
    error.value = null
    try {
      await api.runsMeasureStep({ config })
      await refresh()
    } catch (caught) {
      error.value = toApiCallError(caught, 'runsMeasureStep')
    } finally {
      measuring.value = false
    }
  }

  /** After each new estimate: times a small configuration once, by itself. */
  function measureIfSmall(estimate: RunEstimate | null, config: RunConfigInput | null): void {
    if (!estimate || !config || measuring.value || !shouldMeasureByItself(estimate)) return
    const key = JSON.stringify(config)
    if (tried.has(key)) return
    tried.add(key)
    void measure(config)
  }

  return { measuring, progress, error, measure, measureIfSmall }
}
