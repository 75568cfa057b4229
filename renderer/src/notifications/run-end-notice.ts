// What the system notification says when a run ends while Mixture Studio is in the background:
// the run, how it ended, and the figures a person checks first. A cancelled run was the user's
// own doing, so it gets none.
import { runTrainingSeconds, type RunDetail } from '../../../main/contract'
import { formatDuration, formatMetric } from '../format'
import { firstLine, type EndNotice } from './end-notice'

export function runEndNotice(detail: RunDetail): EndNotice | null {
  const { run, latest } = detail
  const name = `“${run.name}”`
  switch (run.status) {
    case 'completed': {
      const steps = latest.loss ? `${latest.loss.step} steps` : 'trained'
      const took = runTrainingSeconds(run)
      const figures = [
        `${steps}${took !== null ? ` in ${formatDuration(took)}` : ''}`,
        ...(latest.loss ? [`loss ${formatMetric(latest.loss.value)}`] : []),
        ...(latest.eval_loss ? [`eval loss ${formatMetric(latest.eval_loss.value)}`] : []),
      ]
      return { title: `${name} finished`, body: `${figures.join(' · ')}${run.stoppedEarly ? ' · stopped early' : ''}` }
    }
    case 'failed':
      return { title: `${name} failed`, body: firstLine(run.error) ?? 'Open the run for its log.' }
    case 'interrupted':
      return { title: `${name} was interrupted`, body: `${firstLine(run.error) ?? 'Its training process ended.'} Resume it from its last checkpoint.` }
    default:
      return null
  }
}
