// Who holds which device and who may start on it next: the run queue's rules, read from the
// store, shared by the studio's queue (run-queue.ts) and `mixture-studio train`, which trains in
// its own process and so waits for its turn itself (cli/commands/run-locally.ts).
import type { RunDevice } from '../contract'
import { whyNotItsProcess, type ProcessIdentity, type RunRecord, type Store } from '../store'
import { isSameBoot } from '../store/process-liveness'
import { configuredDevice, resolveOnThisMachine, type DeviceResolver } from './run-device'
import { readSettingsFile, settingsFilePath } from './settings-file'

export type DevicePlaces = ReturnType<typeof devicePlaces>

export function devicePlaces(store: Store, dataDir: string, resolveDevice: DeviceResolver = resolveOnThisMachine) {
  const deviceOf = (run: Pick<RunRecord, 'config'>): RunDevice => resolveDevice(configuredDevice(run.config))
  /** Settings' runsAtOncePerDevice, read each time: a change applies to the next decision. */
  const placesPerDevice = () => readSettingsFile(settingsFilePath(dataDir)).settings.runsAtOncePerDevice
  /** Runs starting or training on the device, whoever trains them (this studio, another, the CLI). */
  const trainingOn = (device: RunDevice) => store.runs.listActive().filter((run) => deviceOf(run) === device)
  const queuedOn = (device: RunDevice) => store.runs.listQueued().filter((run) => deviceOf(run) === device)
  const isOwnedBy = (run: RunRecord, owner: ProcessIdentity) =>
    run.pid === owner.pid && run.processStartedAt === owner.startedAt && run.bootTimeMs !== null && isSameBoot(run.bootTimeMs, owner.bootTimeMs)
  /** Queued by a live process other than `owner` (`mixture-studio train`, another studio), which starts it itself. */
  const isQueuedElsewhere = (run: RunRecord, owner: ProcessIdentity) => !isOwnedBy(run, owner) && whyNotItsProcess(run) === null

  return {
    deviceOf,
    placesPerDevice,
    trainingOn,
    queuedOn,
    isOwnedBy,
    isQueuedElsewhere,

    /** Whether a run for `config` must wait: its device is full, or runs wait for it already (nobody jumps the queue). */
    mustWait(config: unknown): boolean {
      const device = deviceOf({ config })
      return trainingOn(device).length >= placesPerDevice() || queuedOn(device).length > 0
    },

    /**
     * The queued runs `owner` may start now, first in the queue first, as many as their devices
     * have free places. A run queued by another live process holds its place in line (nothing
     * behind it jumps ahead); one whose process is gone (a closed studio) is taken when
     * `adoptOrphans` (a studio), else passed over (the CLI trains only its own run).
     */
    startableBy(owner: ProcessIdentity, options: { adoptOrphans: boolean }): RunRecord[] {
      const queued = store.runs.listQueued()
      const places = placesPerDevice()
      const startable: RunRecord[] = []
      for (const device of new Set(queued.map(deviceOf))) {
        let free = places - trainingOn(device).length
        for (const run of queued.filter((r) => deviceOf(r) === device)) {
          if (free <= 0) break
          const own = isOwnedBy(run, owner)
          if (!own && whyNotItsProcess(run) === null) break
          if (!own && !options.adoptOrphans) continue
          startable.push(run)
          free--
        }
      }
      return startable
    },
  }
}
