import { EvaluationRequest, scoreEvaluation } from '../../evaluations/score'
import { serviceJob, withStore } from './service-job'

/**
 * Scores one evaluation (main/evaluations/score.ts); the process writes its cells as they finish
 * and its end. A Stop ends it between questions, keeping the finished cells.
 */
export const evaluateJob = serviceJob(
  EvaluationRequest, 'evaluationsCreate', (request, work) => withStore(request.dataDir, (store) => scoreEvaluation(request.evaluationId, store, work)), { stopsCleanly: true },
)
