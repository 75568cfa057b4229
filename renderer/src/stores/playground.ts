import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { DeviceChoice, PlaygroundFormat, PlaygroundResult } from '../../../main/contract'
import { api } from '../api'
import { useStoppableJob } from './stoppable-job'

export interface PlaygroundSettings {
  maxTokens: number
  temperature: number
  topP: number
  seed: number
  /** How the prompt reaches the model: the run's own template (the default with a run), the model's chat template, or raw text. */
  format: PlaygroundFormat
}

/** One prompt through the base model and base + a run's adapter, side by side. */
export const usePlaygroundStore = defineStore('playground', () => {
  const modelId = ref<string | null>(null)
  const runId = ref<string | null>(null)
  /** Which of the run's adapters: its best checkpoint (its final adapter when it marked none) or its final adapter. */
  const checkpoint = ref<'best' | 'last'>('best')
  const prompt = ref('')
  const settings = ref<PlaygroundSettings>({ maxTokens: 48, temperature: 0, topP: 1, seed: 0, format: 'raw' })
  /** Where to generate: the Settings default until the user picks one here, then the pick, for the session. */
  const device = ref<DeviceChoice>('auto')
  const deviceChosen = ref(false)
  const result = ref<PlaygroundResult | null>(null)
  /** The prompt the result answers (the box may have changed since). */
  const answeredPrompt = ref('')

  // The generation runs as a job process; its progress events say how far it got, and Stop ends it
  // (nothing is kept: `stopped`, not an error).
  const generation = useStoppableJob('generate', 'playgroundGenerate')
  const { running: generating, error, stopped, stopping, progress, stop } = generation

  function chooseDevice(choice: DeviceChoice): void {
    device.value = choice
    deviceChosen.value = true
  }

  /** Settings' default device, unless the user already chose one here. */
  function suggestDevice(choice: DeviceChoice | undefined): void {
    if (choice && !deviceChosen.value) device.value = choice
  }

  async function generate(): Promise<PlaygroundResult | null> {
    const text = prompt.value
    return generation.track(async () => {
      result.value = await api.playgroundGenerate({
        ...(modelId.value ? { modelId: modelId.value } : {}),
        ...(runId.value ? { runId: runId.value, checkpoint: checkpoint.value } : {}),
        prompt: text,
        ...settings.value,
        device: device.value,
      })
      answeredPrompt.value = text
      return result.value
    })
  }

  return {
    modelId, runId, checkpoint, prompt, settings, device, generating, result, answeredPrompt, error, stopped, stopping, progress,
    chooseDevice, suggestDevice, generate, stop,
  }
})
