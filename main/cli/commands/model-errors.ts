import { TemplateError, TokenizerLoadError } from '../../data'
import { ModelFolderError } from '../../models'
import { EvalDataError } from '../../models/eval/examples'
import { AdapterConfigError } from '../../engine/adapters'
import { AdapterFolderError } from '../../train/adapter-files'
import { RunEvalError } from '../../train/run-eval'
import { SessionError } from '../../runtime'
import { EXIT_FAILURE, type CliContext } from '../command'

/**
 * Problems with the user's model or adapter folder, data or template, or a device that cannot run
 * the graph: printed as a message (a JSON error line with --json), exit 1. Anything else propagates.
 */
export function reportUserError(error: unknown, context: CliContext, json: boolean | undefined): number {
  if (!(error instanceof ModelFolderError || error instanceof EvalDataError || error instanceof TokenizerLoadError || error instanceof TemplateError || error instanceof AdapterFolderError || error instanceof AdapterConfigError || error instanceof SessionError || error instanceof RunEvalError)) throw error
  if (json) context.stdout(`${JSON.stringify({ type: 'error', message: error.message })}\n`)
  else context.stderr(`${error.message}\n`)
  return EXIT_FAILURE
}
