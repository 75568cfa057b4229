import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { SystemInfo } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'
import { parseProbeResult } from './probe-result'

export const useSystemStore = defineStore('system', () => {
  const jobs = useJobsStore()

  const info = ref<SystemInfo | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)

  const probeJobId = ref<string | null>(null)
  const probeStartError = ref<ApiCallError | null>(null)
  const probeJob = computed(() => (probeJobId.value ? jobs.byId[probeJobId.value] ?? null : null))
  const probing = computed(() => probeJob.value?.state === 'running')
  const probeResult = computed(() =>
    probeJob.value?.hasResult ? parseProbeResult(probeJob.value.result) : null)

  async function load(): Promise<void> {
    loading.value = true
    try {
      info.value = await api.systemInfo({})
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'systemInfo')
    } finally {
      loading.value = false
    }
  }

  /** Runs the `system-probe` job; its progress and result arrive as job events. */
  async function probe(): Promise<void> {
    probeStartError.value = null
    try {
      const job = await jobs.start('system-probe')
      probeJobId.value = job.id
    } catch (error) {
      probeStartError.value = toApiCallError(error, 'jobsStart')
    }
  }

  return { info, loading, loadError, probeJobId, probeJob, probing, probeResult, probeStartError, load, probe }
})
