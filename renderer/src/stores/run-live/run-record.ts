import { computed, ref, type Ref } from 'vue'
import { RunConfig, type RunAnswer, type RunDetail, type RunEvent, type RunStatus } from '../../../../main/contract'
import { mayResume } from '../../../../main/contract/run-failure'
import { api, toApiCallError, type ApiCallError } from '../../api'
import type { Point } from '../../runs/series'
import { newestRead } from '../newest-read'

const ACTIVE: readonly RunStatus[] = ['starting', 'running']

/** What one read of the run brings besides its record. */
export interface RunRead {
  runId: string
  detail: RunDetail
  series: Record<string, Point[]>
  answers: RunAnswer[]
}

/**
 * The run's stored record (status, config, checkpoints, where it trains) and what follows from it,
 * read with its curves and answers, and kept current between reads by its events.
 */
export function useRunRecord(runId: Readonly<Ref<string | null>>, onRead: (read: RunRead) => void) {
  const detail = ref<RunDetail | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  /** Whether this segment's first step re-read the record for where the run trains (set after the page read it). */
  let readTrainedOn = false

  const status = computed<RunStatus | null>(() => detail.value?.run.status ?? null)
  const active = computed(() => status.value !== null && ACTIVE.includes(status.value))
  const config = computed<RunConfig | null>(() => {
    const parsed = RunConfig.safeParse(detail.value?.config)
    return parsed.success ? parsed.data : null
  })
  // A run by epochs knows its step count once its data is read: the record (or its steps) says it.
  const maxSteps = computed(() => detail.value?.run.totalSteps ?? config.value?.train.max_steps ?? null)
  /** Resume is offered where it may get further; a run failed by its data or configuration is edited and run again instead. */
  const resumable = computed(() => (detail.value ? mayResume(detail.value.run.status, detail.value.run.error) : false))

  /** Open, status and first-step events each start a read, and they overlap. */
  const reads = newestRead()
  async function read(): Promise<void> {
    const id = runId.value
    if (!id) return
    const ticket = reads.start()
    loading.value = true
    try {
      const [shown, metrics, answered] = await Promise.all([api.runsShow({ runId: id }), api.runsMetrics({ runId: id }), api.runsAnswers({ runId: id })])
      // An older read answering late holds an older record (a run not yet placed, or still
      // running after it finished): it must not replace a newer one.
      if (id !== runId.value || !reads.show(ticket)) return
      detail.value = shown
      onRead({ runId: id, detail: shown, series: metrics.series, answers: answered.answers })
      loadError.value = null
    } catch (error) {
      loadError.value = toApiCallError(error, 'runsShow')
    } finally {
      if (reads.isLast(ticket)) loading.value = false
    }
  }

  /**
   * A step: the run trains, and by epochs now knows its step count. True on the first step of a
   * run not yet placed: the job records its device and precision just before it, so a read of the
   * record shows them while it trains.
   */
  function applyStep(event: Extract<RunEvent, { type: 'step' }>): boolean {
    const shown = detail.value
    if (!shown) return false
    if (shown.run.totalSteps !== event.totalSteps) shown.run.totalSteps = event.totalSteps
    if (shown.run.status !== 'running') shown.run.status = 'running'
    if (shown.run.trainedOn || readTrainedOn) return false
    readTrainedOn = true
    return true
  }

  /** Lists a checkpoint; false when it is the one listed last (cancelling writes the step's checkpoint again). */
  function addCheckpoint(step: number, path: string): boolean {
    if (detail.value?.checkpoints.at(-1)?.step === step) return false
    detail.value?.checkpoints.push({ step, path, createdAt: new Date().toISOString() })
    return true
  }

  function applyStatus(event: Extract<RunEvent, { type: 'status' }>): void {
    if (!detail.value) return
    detail.value.run.status = event.status
    detail.value.run.error = event.error
    if (event.adapter) detail.value.adapter = event.adapter
  }

  /** A resumed run starts a new segment, placed again by its job. */
  function resumed(): void {
    readTrainedOn = false
  }

  function clear(): void {
    detail.value = null
    readTrainedOn = false
  }

  return { detail, loading, loadError, status, active, config, maxSteps, resumable, read, applyStep, addCheckpoint, applyStatus, resumed, clear }
}
