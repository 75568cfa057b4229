import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { HubTokenStatus } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'

/**
 * Settings' Hugging Face section: whether a token is in effect and where it is kept, the endpoint
 * and cache folder. The token goes to the server once, when set, and is never read back.
 */
export const useHubTokenStore = defineStore('hub-token', () => {
  const status = ref<HubTokenStatus | null>(null)
  const loadError = ref<ApiCallError | null>(null)
  const saving = ref(false)
  const saveError = ref<ApiCallError | null>(null)

  async function load(): Promise<void> {
    try {
      status.value = await api.hubTokenStatus({})
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'hubTokenStatus')
    }
  }

  /** Stores a token (trimmed) or, given null, forgets the stored one. True when the server did. */
  async function setToken(token: string | null): Promise<boolean> {
    saving.value = true
    try {
      status.value = await api.hubSetToken({ token: token === null ? null : token.trim() })
      saveError.value = null
      return true
    } catch (error) {
      saveError.value = toApiCallError(error, 'hubSetToken')
      return false
    } finally {
      saving.value = false
    }
  }

  return { status, loadError, saving, saveError, load, setToken }
})
