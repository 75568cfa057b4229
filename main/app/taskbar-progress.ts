// The training progress on the app's taskbar button (Windows, Linux's Unity launchers) or dock
// icon (macOS), from the run events main forwards to the window: a run's progress shows while the
// window is minimized or behind others. The window's title carries it too (renderer/src/window-title.ts).
import { BrowserWindow } from 'electron'
import { TrainingProgress } from '../contract/training-progress'
import type { Services } from '../services'

/** Subscribes for as long as the app runs; returns the unsubscribe. */
export function showTrainingProgressOnTaskbar(services: Services): () => void {
  const tracker = new TrainingProgress()
  return services.subscribe('onRunEvent', (event) => {
    if (!tracker.take(event)) return
    // -1 removes the bar.
    const fraction = tracker.overall()?.fraction ?? -1
    for (const window of BrowserWindow.getAllWindows()) window.setProgressBar(fraction)
  })
}
