import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { RunDetail } from '../../../main/contract'
import { api, toApiCallError, type ApiCallError } from '../api'
import { diffConfigs } from '../../../main/contract/config-diff'
import type { Point } from '../runs/series'

/** The curves the Compare page overlays (tokens: per-step counts for the tokens-seen axis). */
export const COMPARED_METRICS = ['loss', 'eval_loss', 'lr', 'tokens_per_s', 'tokens'] as const

export interface ComparedRun {
  detail: RunDetail
  series: Record<string, Point[]>
}

export type CompareAxis = 'step' | 'tokens'

export const useCompareStore = defineStore('compare', () => {
  const runs = ref<ComparedRun[]>([])
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  const axis = ref<CompareAxis>('step')
  const onlyDifferences = ref(true)

  const diff = computed(() => diffConfigs(runs.value.map((run) => run.detail.config)))
  const shownDiff = computed(() => (onlyDifferences.value ? diff.value.filter((row) => row.differs) : diff.value))

  /** Reads every run's record and curves; the page shows them in the order given. */
  async function load(runIds: readonly string[]): Promise<void> {
    loading.value = true
    try {
      runs.value = await Promise.all(
        runIds.map(async (runId) => {
          const [detail, metrics] = await Promise.all([api.runsShow({ runId }), api.runsMetrics({ runId, names: [...COMPARED_METRICS] })])
          return { detail, series: metrics.series }
        }),
      )
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'runsShow')
    } finally {
      loading.value = false
    }
  }

  return { runs, loading, loadError, axis, onlyDifferences, diff, shownDiff, load }
})
