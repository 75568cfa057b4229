import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { RunEvent } from '../../../main/contract'
import { api, onEventsReconnected } from '../api'
import { routerHistory } from '../runs/router-stats'
import { routerMetricValues } from '../../../main/contract/router-metrics'
import { useLiveCurves } from './run-live/live-curves'
import { useRunActions } from './run-live/run-actions'
import { useRunAnswers } from './run-live/run-answers'
import { useRunLog } from './run-live/run-log'
import { useRunPace } from './run-live/run-pace'
import { useRunRecord } from './run-live/run-record'
import { useTrainableSize } from './run-live/trainable-size'

export type { RunLogLine } from '../../../main/contract'
export { LIVE_REDRAW_MS } from './run-live/live-curves'

/**
 * One run's page: its record, curves, router statistics, log and answers, kept live by onRunEvent.
 * Each part is a composable of its own (./run-live/); this store routes the run's events to them
 * and reads them all when a run is opened, its events reconnect, or it stops.
 */
export const useRunLiveStore = defineStore('run-live', () => {
  const runId = ref<string | null>(null)
  const curves = useLiveCurves()
  const log = useRunLog(runId)
  const answers = useRunAnswers()
  const size = useTrainableSize(runId)
  const record = useRunRecord(runId, (read) => {
    curves.merge(Object.entries(read.series))
    answers.merge(read.answers)
    void size.measure(read.runId, read.detail.config)
  })
  const pace = useRunPace(curves.series, record.maxSteps, record.active)
  const actions = useRunActions(runId, record.detail, () => {
    pace.clear()
    record.resumed()
  })
  let unsubscribe: (() => void) | null = null

  const routers = computed(() => routerHistory(curves.series.value))

  function applyEvent(event: RunEvent): void {
    if (event.runId !== runId.value) return
    switch (event.type) {
      case 'step': {
        const at = event.step
        curves.queue('loss', at, event.loss)
        curves.queue('lr', at, event.lr)
        curves.queue('grad_norm', at, event.gradNorm)
        curves.queue('tokens_per_s', at, event.tokensPerSecond)
        for (const r of event.routers ?? []) for (const { name, value } of routerMetricValues(r)) curves.queue(name, at, value)
        curves.scheduleRedraw()
        pace.applyStep(event)
        if (record.applyStep(event)) void reload()
        break
      }
      case 'eval':
        // eval_loss (with validation data) and accuracy.<set>: each its own curve.
        for (const [name, value] of Object.entries(event.metrics)) curves.queue(name, event.step, value)
        curves.scheduleRedraw()
        void log.follow()
        break
      case 'checkpoint':
        if (record.addCheckpoint(event.step, event.path)) void log.follow()
        break
      case 'log':
        void log.follow()
        break
      case 'answers':
        answers.mergeLive(event.step, event.answers)
        break
      case 'status':
        // The last steps show with the status that ends them.
        curves.redrawNow()
        record.applyStatus(event)
        // The record's times (started, finished, training time), final adapter and log come from the store.
        void reload()
        break
      default: {
        const unknownEvent: never = event
        console.warn('Ignored an unknown run event', unknownEvent)
      }
    }
  }

  /**
   * Reads the record and curves again, and follows the log alongside, never awaited: while a
   * run's events keep coming the follow loop keeps reading, and the record must not wait for it
   * (it once waited out a whole run, so the page showed where a run trained only at its end).
   */
  function reload(): Promise<void> {
    void log.follow()
    return record.read()
  }

  /** Shows a run: listens before reading, so no step falls between the read and the first event. */
  async function open(id: string): Promise<void> {
    if (runId.value !== id) {
      runId.value = id
      record.clear()
      curves.clear()
      log.clear()
      answers.clear()
      pace.clear()
      actions.clear()
      size.clear()
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
    await Promise.all([record.read(), log.follow()])
  }

  function close(): void {
    curves.forgetQueued()
    unsubscribe?.()
    unsubscribe = null
  }

  return {
    runId, detail: record.detail, series: curves.series, logs: log.logs, answers: answers.answers, pace: pace.pace,
    loading: record.loading, loadError: record.loadError, actionError: actions.actionError, acting: actions.acting, size: size.size,
    status: record.status, active: record.active, resumable: record.resumable, config: record.config, maxSteps: record.maxSteps,
    step: pace.step, progress: pace.progress, etaSeconds: pace.etaSeconds, routers,
    open, close, reload, applyEvent, cancel: actions.cancel, resume: actions.resume,
  }
})
