import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { DeviceChoice, PlaygroundResult } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'

export interface PlaygroundSettings {
  maxTokens: number
  temperature: number
  topP: number
  seed: number
  chat: boolean
}

/** One prompt through the base model and base + a run's adapter, side by side. */
export const usePlaygroundStore = defineStore('playground', () => {
  const modelId = ref<string | null>(null)
  const runId = ref<string | null>(null)
  const prompt = ref('')
  const settings = ref<PlaygroundSettings>({ maxTokens: 48, temperature: 0, topP: 1, seed: 0, chat: false })
  /** Where to generate: the Settings default until the user picks one here, then the pick, for the session. */
  const device = ref<DeviceChoice>('auto')
  const deviceChosen = ref(false)
  const generating = ref(false)
  const result = ref<PlaygroundResult | null>(null)
  /** The prompt the result answers (the box may have changed since). */
  const answeredPrompt = ref('')
  const error = ref<ApiCallError | null>(null)
  /** The user stopped the last generation (not an error). */
  const stopped = ref(false)
  const stopping = ref(false)

  // The generation runs as a job process; its progress events say how far it got.
  const jobs = useJobsStore()
  const job = computed(() => (generating.value ? (jobs.all.find((j) => j.kind === 'generate' && j.state === 'running') ?? null) : null))
  const progress = computed(() => job.value?.progress ?? null)

  function chooseDevice(choice: DeviceChoice): void {
    device.value = choice
    deviceChosen.value = true
  }

  /** Settings' default device, unless the user already chose one here. */
  function suggestDevice(choice: DeviceChoice | undefined): void {
    if (choice && !deviceChosen.value) device.value = choice
  }

  async function generate(): Promise<PlaygroundResult | null> {
    jobs.listen()
    generating.value = true
    error.value = null
    stopped.value = false
    const text = prompt.value
    try {
      result.value = await api.playgroundGenerate({
        ...(modelId.value ? { modelId: modelId.value } : {}),
        ...(runId.value ? { runId: runId.value } : {}),
        prompt: text,
        ...settings.value,
        device: device.value,
      })
      answeredPrompt.value = text
      return result.value
    } catch (caught) {
      if (stopping.value) stopped.value = true
      else error.value = toApiCallError(caught, 'playgroundGenerate')
      return null
    } finally {
      generating.value = false
      stopping.value = false
    }
  }

  /** Stops the generation under way (its process is ended; nothing is kept). */
  async function stop(): Promise<void> {
    const running = job.value
    if (!running || stopping.value) return
    stopping.value = true
    try {
      await jobs.cancel(running.id)
    } catch (caught) {
      stopping.value = false
      error.value = toApiCallError(caught, 'jobsCancel')
    }
  }

  return {
    modelId, runId, prompt, settings, device, generating, result, answeredPrompt, error, stopped, stopping, progress,
    chooseDevice, suggestDevice, generate, stop,
  }
})
