import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useRouter } from 'vue-router'
import { api } from '../api'
import { notificationPermission, showSystemNotification, watchRunEnds, type NotificationPermissionState } from '../runs/run-end-notifier'
import { useSettingsStore } from './settings'

/**
 * Run-end notifications (runs/run-end-notifier.ts): the page's permission, as the browser last
 * answered it, and the watch on run events, kept while the Settings switch is on and allowed.
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
  const switchedOn = computed(() => settings.state?.settings.notifyRunEnd ?? false)
  const active = computed(() => switchedOn.value && permission.value === 'granted')

  /** The browser's question, asked from the user's own click (browsers refuse it otherwise). */
  async function requestPermission(): Promise<void> {
    if (permission.value !== 'default') return
    permission.value = await Notification.requestPermission()
  }

  let stop: (() => void) | null = null
  /** Starts or stops the watch to match `active`; App.vue calls it whenever that changes. */
  function sync(): void {
    if (active.value && !stop) {
      stop = watchRunEnds({
        onRunEvent: (listener) => api.onRunEvent(listener),
        runsShow: (runId) => api.runsShow({ runId }),
        enabled: () => active.value,
        inBackground: () => document.visibilityState === 'hidden' || !document.hasFocus(),
        show: showSystemNotification,
        openRun: (runId) => void router.push({ name: 'run', params: { id: runId } }),
      })
    } else if (!active.value && stop) {
      stop()
      stop = null
    }
  }

  return { permission, switchedOn, active, requestPermission, sync }
})
