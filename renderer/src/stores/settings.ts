import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { DEFAULT_CURVE_SMOOTHING, type CallInput, type Settings, type SettingsState, type ThemeChoice } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

/** How long the smoothing slider must rest before its value is saved. */
export const SMOOTHING_SAVE_MS = 400

export const useSettingsStore = defineStore('settings', () => {
  const state = ref<SettingsState | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  const saving = ref(false)
  const saveError = ref<ApiCallError | null>(null)

  /** Until the settings load, the OS decides, as it would with the default `system`. */
  const theme = computed<ThemeChoice>(() => state.value?.settings.theme ?? 'system')

  /** The smoothing last chosen on a chart this session (shown at once, saved once it rests). */
  const smoothingChosen = ref<number | null>(null)
  const curveSmoothing = computed(() => smoothingChosen.value ?? state.value?.settings.curveSmoothing ?? DEFAULT_CURVE_SMOOTHING)
  let smoothingSave: ReturnType<typeof setTimeout> | null = null
  /** A slider passes through many values: each redraws the curves, only the one it rests on is written. */
  function setCurveSmoothing(value: number): void {
    smoothingChosen.value = value
    if (smoothingSave) clearTimeout(smoothingSave)
    smoothingSave = setTimeout(() => {
      smoothingSave = null
      void save({ curveSmoothing: value })
    }, SMOOTHING_SAVE_MS)
  }

  async function load(): Promise<void> {
    loading.value = true
    try {
      state.value = await api.settingsGet({})
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'settingsGet')
    } finally {
      loading.value = false
    }
  }

  /**
   * Applies the change at once (a theme switch must not wait for the disk), then saves it;
   * when the save fails the previous value comes back and the error says why.
   */
  async function save(patch: CallInput<'settingsSet'>): Promise<void> {
    const before = state.value
    if (before) state.value = { ...before, settings: { ...before.settings, ...(patch as Partial<Settings>) } }
    saving.value = true
    try {
      state.value = await api.settingsSet(patch)
      saveError.value = null
    } catch (error) {
      state.value = before
      saveError.value = toApiCallError(error, 'settingsSet')
    } finally {
      saving.value = false
    }
  }

  return { state, theme, curveSmoothing, loading, loadError, saving, saveError, load, save, setCurveSmoothing }
})
