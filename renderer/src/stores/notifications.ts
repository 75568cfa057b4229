import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useRouter } from 'vue-router'
import { api } from '../api'
import { watchJobEnds, watchRunEnds } from '../notifications/end-watch'
import { notificationPermission, showSystemNotification, type NotificationPermissionState } from '../notifications/system-notification'
import { useSettingsStore } from './settings'

/**
 * Notifications of work that ended in the background (notifications/end-watch.ts): the page's
 * permission, as the browser last answered it, and the watches on run and job events, kept while
 * the Settings switch is on and allowed.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const settings = useSettingsStore()
  const router = useRouter()
  const permission = ref<NotificationPermissionState>(notificationPermission())
  // Changed in the browser's site settings while the page is open: followed where the browser says so.
  void navigator.permissions
    ?.query({ name: 'notifications' })
    .then((status) => {
      status.onchange = () => (permission.value = notificationPermission())
    })
    .catch(() => {})
  const switchedOn = computed(() => settings.state?.settings.notifyWhenDone ?? false)
  const active = computed(() => switchedOn.value && permission.value === 'granted')

  /** The browser's question, asked from the user's own click (browsers refuse it otherwise). */
  async function requestPermission(): Promise<void> {
    if (permission.value !== 'default') return
    permission.value = await Notification.requestPermission()
  }

  let stop: (() => void) | null = null
  /** Starts or stops the watches to match `active`; App.vue calls it whenever that changes. */
  function sync(): void {
    if (active.value && !stop) {
      const common = {
        enabled: () => active.value,
        inBackground: () => document.visibilityState === 'hidden' || !document.hasFocus(),
        show: showSystemNotification,
      }
      const stopRuns = watchRunEnds({
        ...common,
        onRunEvent: (listener) => api.onRunEvent(listener),
        runsShow: (runId) => api.runsShow({ runId }),
        openRun: (runId) => void router.push({ name: 'run', params: { id: runId } }),
      })
      const stopJobs = watchJobEnds({
        ...common,
        onJobEvent: (listener) => api.onJobEvent(listener),
        openPage: (page) => void router.push({ name: page }),
        now: () => Date.now(),
      })
      stop = () => {
        stopRuns()
        stopJobs()
      }
    } else if (!active.value && stop) {
      stop()
      stop = null
    }
  }

  return { permission, switchedOn, active, requestPermission, sync }
})
