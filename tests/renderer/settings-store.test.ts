import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { SettingsState } from '../../main/contract'
import { fake, ApiCallError } from './fake-api'
import { settingsState } from './fixtures'

vi.mock('../../renderer/src/api', () => import('./fake-api'))

const { SMOOTHING_SAVE_MS, useSettingsStore } = await import('../../renderer/src/stores/settings')

describe('useSettingsStore', () => {
  beforeEach(() => {
    fake.reset()
    setActivePinia(createPinia())
  })

  it('follows the system theme until the settings load, then the saved one', async () => {
    const store = useSettingsStore()
    expect(store.theme).toBe('system')
    fake.settingsGet.mockResolvedValueOnce(settingsState({ theme: 'dark' }))
    await store.load()
    expect(store.theme).toBe('dark')
    expect(store.state?.dataDir).toBe('/home/test/.mixture-studio')
  })

  it('applies a change before the server answers, then keeps what the server saved', async () => {
    const store = useSettingsStore()
    fake.settingsGet.mockResolvedValueOnce(settingsState())
    await store.load()
    let answer: (value: SettingsState) => void = () => {}
    fake.settingsSet.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)))
    const saving = store.save({ theme: 'light' })
    expect(store.theme).toBe('light')
    expect(store.saving).toBe(true)
    answer(settingsState({ theme: 'light' }))
    await saving
    expect(fake.settingsSet).toHaveBeenCalledWith({ theme: 'light' })
    expect(store.saving).toBe(false)
    expect(store.state?.settings).toEqual({ theme: 'light', defaultDevice: 'auto', curveSmoothing: 0.6, walkthroughDismissed: false, runsAtOncePerDevice: 1, notifyWhenDone: true })
  })

  it('shows each smoothing the slider passes through at once, and saves only the one it rests on', async () => {
    const store = useSettingsStore()
    fake.settingsGet.mockResolvedValueOnce(settingsState({ curveSmoothing: 0.6 }))
    await store.load()
    expect(store.curveSmoothing).toBe(0.6)
    vi.useFakeTimers()
    try {
      fake.settingsSet.mockResolvedValue(settingsState({ curveSmoothing: 0.9 }))
      for (const value of [0.7, 0.8, 0.9]) {
        store.setCurveSmoothing(value)
        expect(store.curveSmoothing).toBe(value)
        vi.advanceTimersByTime(SMOOTHING_SAVE_MS / 2)
      }
      expect(fake.settingsSet).not.toHaveBeenCalled()
      vi.advanceTimersByTime(SMOOTHING_SAVE_MS)
      expect(fake.settingsSet).toHaveBeenCalledExactlyOnceWith({ curveSmoothing: 0.9 })
    } finally {
      vi.useRealTimers()
    }
    await vi.waitFor(() => expect(store.state?.settings.curveSmoothing).toBe(0.9))
  })

  it('puts the old value back and says why when the save fails', async () => {
    const store = useSettingsStore()
    fake.settingsGet.mockResolvedValueOnce(settingsState({ defaultDevice: 'cpu' }))
    await store.load()
    fake.settingsSet.mockRejectedValueOnce(new ApiCallError('internal', 'EACCES: permission denied, open settings.json'))
    await store.save({ defaultDevice: 'cuda' })
    expect(store.state?.settings.defaultDevice).toBe('cpu')
    expect(store.saveError?.message).toContain('EACCES')
  })

  it('reports a settings file problem the server found', async () => {
    const store = useSettingsStore()
    fake.settingsGet.mockResolvedValueOnce({ ...settingsState(), problem: 'settings.json is not valid JSON' })
    await store.load()
    expect(store.state?.problem).toBe('settings.json is not valid JSON')
    fake.settingsGet.mockRejectedValueOnce({ code: 'unauthorized', message: 'Missing or wrong token.' })
    await store.load()
    expect(store.loadError?.code).toBe('unauthorized')
    expect(store.state?.problem).toBe('settings.json is not valid JSON')
  })
})
