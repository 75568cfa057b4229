import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { SystemInfo } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { useJobsStore } from './jobs'
import { parseCudaCheckResult, parseProbeResult } from './probe-result'

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

  // Install CUDA support, then its check (a CUDA session in a job process), each a job followed by its events.
  const cudaInstallJobId = ref<string | null>(null)
  const cudaCheckJobId = ref<string | null>(null)
  const cudaStartError = ref<ApiCallError | null>(null)
  const cudaInstallJob = computed(() => (cudaInstallJobId.value ? jobs.byId[cudaInstallJobId.value] ?? null : null))
  const cudaCheckJob = computed(() => (cudaCheckJobId.value ? jobs.byId[cudaCheckJobId.value] ?? null : null))
  const cudaCheckResult = computed(() => (cudaCheckJob.value?.hasResult ? parseCudaCheckResult(cudaCheckJob.value.result) : null))

  async function installCuda(): Promise<void> {
    cudaStartError.value = null
    cudaCheckJobId.value = null
    try {
      cudaInstallJobId.value = jobs.adopt(await api.systemInstallCuda({})).id
    } catch (error) {
      cudaStartError.value = toApiCallError(error, 'systemInstallCuda')
    }
  }

  async function checkCuda(): Promise<void> {
    cudaStartError.value = null
    try {
      cudaCheckJobId.value = jobs.adopt(await api.systemCheckCuda({})).id
    } catch (error) {
      cudaStartError.value = toApiCallError(error, 'systemCheckCuda')
    }
  }

  async function cancelCudaInstall(): Promise<void> {
    if (cudaInstallJobId.value) await jobs.cancel(cudaInstallJobId.value)
  }

  // An install that completed is proven at once, and the page's facts (the providers, the device
  // runs will use) are read again; so they are after a check, which may have found the folder unusable.
  watch(() => cudaInstallJob.value?.state, (state, previous) => {
    if (previous !== 'running' || state === 'running') return
    void load()
    if (state === 'completed') void checkCuda()
  })
  watch(() => cudaCheckJob.value?.state, (state, previous) => {
    if (previous === 'running' && state !== 'running') void load()
  })

  return {
    info, loading, loadError, probeJobId, probeJob, probing, probeResult, probeStartError, load, probe,
    cudaInstallJob, cudaCheckJob, cudaCheckResult, cudaStartError, installCuda, checkCuda, cancelCudaInstall,
  }
})
