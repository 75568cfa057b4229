// The Playground's prompt formats and the words that go with them. A run's own template is picked
// as its training picked it (promptTemplateChoice in main/train/run-data.ts, chooseTemplate in
// main/data/templates.ts): plain for a run trained on text rows, else the model's chat template,
// else ChatML. The Playground says which, and why a format it cannot use is off.
import type { PlaygroundFormat } from '../../../../main/contract'

export type RunTemplate = 'model' | 'chatml' | 'plain'

/** The template a run's prompts went through in training, on a model with or without a chat template. */
export function runTemplate(trainedOnText: boolean, modelHasChatTemplate: boolean): RunTemplate {
  if (trainedOnText) return 'plain'
  return modelHasChatTemplate ? 'model' : 'chatml'
}

const TEMPLATE_TITLES: Record<RunTemplate, string> = { model: "the model's chat template", chatml: 'ChatML', plain: 'plain text (BOS + text)' }

export function templateTitle(template: string): string {
  return TEMPLATE_TITLES[template as RunTemplate] ?? template
}

// A type, not an interface: a select's options need the implicit index signature only types get.
export type FormatOption = {
  label: string
  value: PlaygroundFormat
  disabled: boolean
}

/** What the user can choose: the run's template (with a run), the model's chat template (when it has one), raw text. */
export function formatOptions(template: RunTemplate | null, modelHasChatTemplate: boolean): FormatOption[] {
  return [
    ...(template ? [{ label: `As the run trained (${template === 'model' ? 'chat template' : templateTitle(template)})`, value: 'run' as const, disabled: false }] : []),
    { label: "Model's chat template", value: 'chat', disabled: !modelHasChatTemplate },
    { label: 'Raw text', value: 'raw', disabled: false },
  ]
}

/** The line under the format: what the prompt goes through, and why a format is off when one is. */
export function formatHelp(format: PlaygroundFormat, template: RunTemplate | null, modelHasChatTemplate: boolean): string {
  const noTemplate = 'This model has no chat template'
  if (format === 'run' && template === 'chatml') return `${noTemplate}; the run trained through ChatML, so both answers get the prompt as ChatML, as in training.`
  if (format === 'run' && template === 'plain') return 'The run trained on text rows: both answers get BOS + the prompt, as in training.'
  if (format === 'run') return "Both answers get the prompt through the model's chat template, as the run trained."
  if (format === 'chat') return "A user turn through the model's chat template."
  if (template && template !== 'plain') return `Raw text, as typed; the run trained through ${templateTitle(template)}, so its adapter may answer poorly.`
  if (!modelHasChatTemplate) return `Raw text, as typed. ${noTemplate}; choose a run to use the template it trained through.`
  return 'Raw text, as typed: a start of text for the model to continue.'
}
