// A set's questions as one column scores them. A run scores through its own chat template, mapping
// and max_length, as its training saw prompts; the base model as a run of it would (config null).
// Raw prompt+choice text would measure what no run trained on (the trap eval --run closes).
import type { EvaluationSet } from '../contract/evaluations'
import type { RunConfig } from '../contract/run-config'
import type { MultipleChoiceQuestion } from '../models/eval/multiple-choice'
import type { OpenedModel } from '../models/inference/open-model'
import { templateMultipleChoice } from '../train/run-multiple-choice'

export interface SetQuestions {
  questions: MultipleChoiceQuestion[]
  /** The chat template that rendered them. */
  templateName: string
  /** Prompts cut to fit max_length, naming their lines. */
  notes: string[]
}

/** The questions of `set` for `model` (config: the run's configuration, null for the base model). */
export async function setQuestions(set: EvaluationSet, model: OpenedModel, config: RunConfig | null): Promise<SetQuestions> {
  return templateMultipleChoice(set.file, { modelDir: model.info.dir, spec: model.spec, config })
}
