import { ref } from 'vue'
import type { DatasetPreview } from '../../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../../api'
import type { DatasetFormat, ImportInput, TemplateChoice } from '../dataset-import-input'

/** Rows rendered in the preview step. */
export const SAMPLE_ROWS = 12

/** The file as the previews read it: its path, and the format and columns the user chose. */
interface FileSpec {
  path: string
  format?: DatasetFormat
  mapping?: Record<string, string>
}

/**
 * The preview step: how the examples will be rendered (template, prompt masking, system prompt,
 * and with a model its tokens and max length), and the first rows rendered so. Late answers to
 * superseded renders are dropped.
 */
export function useRenderedSample(fileSpec: () => FileSpec) {
  const modelPath = ref<string | null>(null)
  const template = ref<TemplateChoice>('auto')
  const trainOnPrompt = ref(false)
  const maxLength = ref<number | null>(null)
  const systemPrompt = ref('')
  const sample = ref<DatasetPreview | null>(null)
  const sampling = ref(false)
  const sampleError = ref<ApiCallError | null>(null)
  let sampleTicket = 0

  /** The rendering choices as the preview and the import take them: only those set. */
  function renderOptions(): Pick<ImportInput, 'model' | 'maxLength' | 'systemPrompt' | 'template' | 'trainOnPrompt'> {
    return {
      ...(systemPrompt.value.trim() ? { systemPrompt: systemPrompt.value } : {}),
      ...(modelPath.value ? { model: modelPath.value, ...(maxLength.value ? { maxLength: maxLength.value } : {}) } : {}),
      template: template.value,
      trainOnPrompt: trainOnPrompt.value,
    }
  }

  /** Renders the first rows as the import will: template, masking and (with a model) tokens. */
  async function load(): Promise<void> {
    const ticket = ++sampleTicket
    sampling.value = true
    try {
      const result = await api.datasetsPreview({ ...fileSpec(), ...renderOptions(), limit: SAMPLE_ROWS })
      if (ticket !== sampleTicket) return
      sample.value = result
      sampleError.value = null
    } catch (error) {
      if (ticket !== sampleTicket) return
      // Examples rendered with the previous choices would pass for what these choices give.
      sample.value = null
      sampleError.value = toApiCallError(error, 'datasetsPreview')
    } finally {
      if (ticket === sampleTicket) sampling.value = false
    }
  }

  /** Only examples rendered with the current choices let the import go on with them. */
  function ready(): boolean {
    return sample.value !== null && sampleError.value === null && !sampling.value
  }

  /** The file or its rows changed: what was rendered from the old ones is gone. */
  function forget(): void {
    sample.value = null
  }

  function clear(): void {
    sampleTicket++
    modelPath.value = null
    template.value = 'auto'
    trainOnPrompt.value = false
    maxLength.value = null
    systemPrompt.value = ''
    sample.value = null
    sampling.value = false
    sampleError.value = null
  }

  return { modelPath, template, trainOnPrompt, maxLength, systemPrompt, sample, sampling, sampleError, renderOptions, load, ready, forget, clear }
}
