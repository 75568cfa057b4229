import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { RunConfig, type RunAnswer, type RunDetail, type RunEvent, type RunLogLine, type RunStatus } from '../../../main/contract'
import { api, onEventsReconnected, toApiCallError, type ApiCallError } from '../api'
import { mergePoints, type Point } from '../runs/series'
import { routerHistory } from '../runs/router-stats'
import { mergeAnswers } from '../runs/answers'
import { newestRead } from './newest-read'
import { mayResume } from '../../../main/contract/run-failure'
import { routerMetricValues } from '../../../main/contract/router-metrics'

export type { RunLogLine } from '../../../main/contract'

/** As many lines as a run keeps in the store: a long run must not grow the page without bound. */
const MAX_LOG_LINES = 2000

const ACTIVE: readonly RunStatus[] = ['starting', 'running']

/**
 * Live curves are redrawn at most this often. A small model trains tens of steps a second, and
 * redrawing every chart and the expert-load heatmap on each step kept the page's main thread busy
 * (clicks waited for it) and took CPU from the run training beside it on the same machine.
 */
export const LIVE_REDRAW_MS = 250

/**
 * One run's page: its record, curves, router statistics and log, kept live by onRunEvent. The
 * log is the one stored with the run (so a finished run shows it too); an event that adds a
 * line makes the page read the lines after the last one it has.
 */
export const useRunLiveStore = defineStore('run-live', () => {
  const runId = ref<string | null>(null)
  const detail = ref<RunDetail | null>(null)
  /** Replaced whole on every change (never mutated), so thousands of points need no deep proxies. */
  const series = shallowRef<Record<string, Point[]>>({})
  const logs = ref<RunLogLine[]>([])
  /** Greedy answers to the run's fixed prompts, by step (replaced whole on change). */
  const answers = shallowRef<RunAnswer[]>([])
  /** What the newest step event said (ETA and speed are only known live). */
  const pace = ref<{ step: number; etaSeconds: number; tokensPerSecond: number } | null>(null)
  const loading = ref(false)
  const loadError = ref<ApiCallError | null>(null)
  const actionError = ref<ApiCallError | null>(null)
  const acting = ref<'cancel' | 'resume' | null>(null)
  /** Trainable parameters and their share of the base model (runsEstimate on the run's own config). */
  const size = ref<{ trainable: number; percent: number } | null>(null)
  let unsubscribe: (() => void) | null = null
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
  const step = computed(() => series.value.loss?.at(-1)?.step ?? 0)
  const progress = computed(() => (maxSteps.value ? Math.min(1, step.value / maxSteps.value) : 0))
  const etaSeconds = computed(() => (active.value && pace.value ? pace.value.etaSeconds : null))
  const routers = computed(() => routerHistory(series.value))
  /** Resume is offered where it may get further; a run failed by its data or configuration is edited and run again instead. */
  const resumable = computed(() => (detail.value ? mayResume(detail.value.run.status, detail.value.run.error) : false))

  /** Points from live events waiting for the next redraw, by series. */
  let pending = new Map<string, Point[]>()
  let redrawTimer: ReturnType<typeof setTimeout> | null = null
  let lastRedraw = Number.NEGATIVE_INFINITY

  function queuePoint(name: string, step: number, value: number): void {
    const queued = pending.get(name)
    if (queued) queued.push({ step, value })
    else pending.set(name, [{ step, value }])
  }

  /** An event's points show at once after a quiet spell, otherwise with the next redraw. */
  function scheduleRedraw(): void {
    if (redrawTimer) return
    const wait = lastRedraw + LIVE_REDRAW_MS - Date.now()
    if (wait <= 0) redraw()
    else redrawTimer = setTimeout(redraw, wait)
  }

  /** Merges the queued points into the curves. */
  function redraw(): void {
    if (redrawTimer) clearTimeout(redrawTimer)
    redrawTimer = null
    lastRedraw = Date.now()
    if (pending.size === 0) return
    mergeSeries(pending)
    pending = new Map()
  }

  /** Merges points by series into the curves in one change, so each chart redraws once. */
  function mergeSeries(batch: Iterable<[string, Point[]]>): void {
    const next = { ...series.value }
    for (const [name, points] of batch) next[name] = mergePoints(next[name] ?? [], points)
    series.value = next
  }

  /** Drops the queued points (another run is shown, or the page closed: a read brings them back). */
  function forgetQueued(): void {
    if (redrawTimer) clearTimeout(redrawTimer)
    redrawTimer = null
    pending = new Map()
  }

  /** Reads the run's log lines after the newest one shown; calls made while one reads run once more after it. */
  let logReading: Promise<void> | null = null
  let logReadAgain = false
  function followLog(): Promise<void> {
    if (logReading) {
      logReadAgain = true
      return logReading
    }
    logReading = (async () => {
      do {
        logReadAgain = false
        await readNewLogLines()
      } while (logReadAgain)
    })().finally(() => {
      logReading = null
    })
    return logReading
  }

  async function readNewLogLines(): Promise<void> {
    const id = runId.value
    if (!id) return
    const afterId = logs.value.at(-1)?.id
    try {
      const read = await api.runsLog({ runId: id, ...(afterId !== undefined ? { afterId } : {}) })
      if (id !== runId.value) return
      logs.value.push(...read.lines.filter((line) => afterId === undefined || line.id > afterId))
      if (logs.value.length > MAX_LOG_LINES) logs.value.splice(0, logs.value.length - MAX_LOG_LINES)
    } catch {
      // The log is secondary: the next event or reconnect reads it again.
    }
  }

  function applyEvent(event: RunEvent): void {
    if (event.runId !== runId.value) return
    switch (event.type) {
      case 'step': {
        const at = event.step
        if (detail.value && detail.value.run.totalSteps !== event.totalSteps) detail.value.run.totalSteps = event.totalSteps
        queuePoint('loss', at, event.loss)
        queuePoint('lr', at, event.lr)
        queuePoint('grad_norm', at, event.gradNorm)
        queuePoint('tokens_per_s', at, event.tokensPerSecond)
        for (const r of event.routers ?? []) for (const { name, value } of routerMetricValues(r)) queuePoint(name, at, value)
        scheduleRedraw()
        pace.value = { step: at, etaSeconds: event.etaSeconds, tokensPerSecond: event.tokensPerSecond }
        if (detail.value && detail.value.run.status !== 'running') detail.value.run.status = 'running'
        // The job records its device and precision just before the first step: show them while it trains.
        if (detail.value && !detail.value.run.trainedOn && !readTrainedOn) {
          readTrainedOn = true
          void reload()
        }
        break
      }
      case 'eval':
        // eval_loss (with validation data) and accuracy.<set>: each its own curve.
        for (const [name, value] of Object.entries(event.metrics)) queuePoint(name, event.step, value)
        scheduleRedraw()
        void followLog()
        break
      case 'checkpoint':
        // Cancelling writes the step's checkpoint again when it was just saved: one line is enough.
        if (detail.value?.checkpoints.at(-1)?.step === event.step) break
        detail.value?.checkpoints.push({ step: event.step, path: event.path, createdAt: new Date().toISOString() })
        void followLog()
        break
      case 'log':
        void followLog()
        break
      case 'answers':
        answers.value = mergeAnswers(answers.value, event.answers.map((a) => ({ step: event.step, ...a })))
        break
      case 'status':
        // The last steps show with the status that ends them.
        redraw()
        if (detail.value) {
          detail.value.run.status = event.status
          detail.value.run.error = event.error
          if (event.adapter) detail.value.adapter = event.adapter
        }
        // The record's times (started, finished, training time), final adapter and log come from the store.
        void reload()
        break
      default: {
        const unknownEvent: never = event
        console.warn('Ignored an unknown run event', unknownEvent)
      }
    }
  }

  /** Open, status and first-step events each start a read, and they overlap. */
  const reads = newestRead()
  /**
   * Reads the record and curves again, and follows the log alongside, never awaited: while a
   * run's events keep coming the follow loop keeps reading, and the record must not wait for it
   * (it once waited out a whole run, so the page showed where a run trained only at its end).
   */
  function reload(): Promise<void> {
    void followLog()
    return readRecord()
  }

  async function readRecord(): Promise<void> {
    const id = runId.value
    if (!id) return
    const read = reads.start()
    loading.value = true
    try {
      const [shown, metrics, answered] = await Promise.all([api.runsShow({ runId: id }), api.runsMetrics({ runId: id }), api.runsAnswers({ runId: id })])
      // An older read answering late holds an older record (a run not yet placed, or still
      // running after it finished): it must not replace a newer one.
      if (id !== runId.value || !reads.show(read)) return
      detail.value = shown
      mergeSeries(Object.entries(metrics.series))
      answers.value = mergeAnswers(answers.value, answered.answers)
      loadError.value = null
      if (!size.value) void measureSize(id, shown.config)
    } catch (error) {
      loadError.value = toApiCallError(error, 'runsShow')
    } finally {
      if (reads.isLast(read)) loading.value = false
    }
  }

  /** The adapter's size is a fact of its configuration; a model folder gone since leaves it unknown. */
  async function measureSize(id: string, runConfig: unknown): Promise<void> {
    const parsed = RunConfig.safeParse(runConfig)
    if (!parsed.success) return
    try {
      const estimate = await api.runsEstimate({ config: parsed.data })
      if (id === runId.value) size.value = { trainable: estimate.trainableParameters, percent: estimate.trainablePercent }
    } catch {
      // The page still shows everything else; the figure is simply absent.
    }
  }

  /** Shows a run: listens before reading, so no step falls between the read and the first event. */
  async function open(id: string): Promise<void> {
    if (runId.value !== id) {
      runId.value = id
      detail.value = null
      forgetQueued()
      series.value = {}
      logs.value = []
      answers.value = []
      pace.value = null
      actionError.value = null
      size.value = null
      readTrainedOn = false
    }
    if (!unsubscribe) {
      const stopEvents = api.onRunEvent(applyEvent)
      const stopReconnect = onEventsReconnected(() => void reload())
      unsubscribe = () => {
        stopEvents()
        stopReconnect()
      }
    }
    // Opening shows the stored log with the record.
    await Promise.all([readRecord(), followLog()])
  }

  function close(): void {
    forgetQueued()
    unsubscribe?.()
    unsubscribe = null
  }

  async function act(kind: 'cancel' | 'resume'): Promise<void> {
    const id = runId.value
    if (!id) return
    acting.value = kind
    actionError.value = null
    let before: { status: RunStatus; error: string | null } | null = null
    try {
      if (kind === 'cancel') {
        const run = await api.runsCancel({ runId: id })
        if (detail.value) detail.value.run = run
      } else {
        // The page says "starting" from the click: the server answers once the job's process is
        // spawned, and until then the run looked stopped, with its old error, as if nothing happened.
        if (detail.value) before = { status: detail.value.run.status, error: detail.value.run.error }
        if (detail.value) detail.value.run = { ...detail.value.run, status: 'starting', error: null }
        const started = await api.runsResume({ runId: id })
        if (detail.value && id === runId.value) detail.value.run = started.run
        pace.value = null
        readTrainedOn = false
      }
    } catch (error) {
      // Refused: the run is as it was.
      if (before && detail.value && id === runId.value && detail.value.run.status === 'starting') detail.value.run = { ...detail.value.run, ...before }
      actionError.value = toApiCallError(error, kind === 'cancel' ? 'runsCancel' : 'runsResume')
    } finally {
      acting.value = null
    }
  }

  return {
    runId, detail, series, logs, answers, pace, loading, loadError, actionError, acting, size,
    status, active, resumable, config, maxSteps, step, progress, etaSeconds, routers,
    open, close, reload, applyEvent, cancel: () => act('cancel'), resume: () => act('resume'),
  }
})
