// An imported dataset fills a run's data section with a format the run configuration knows: the
// import's names (prompt-completion, multiple-choice) become data.format's (prompt_completion,
// multiple_choice), so a run of a multiple-choice dataset trains on it as multiple choice.
import { describe, expect, it } from 'vitest'
import { DataConfig } from '../../main/contract/run-config'
import { dataSectionFor } from '../../renderer/src/run-config/dataset-section'
import { detail } from './dataset-fixtures'

describe('dataSectionFor', () => {
  it('names the import\'s multiple-choice format as the run configuration does, with its mapping', () => {
    const dataset = detail('quiz', { format: 'multiple-choice', mapping: { prompt: 'question', choices: 'options', answer: 'label' } })
    const section = dataSectionFor(dataset, [])
    expect(section).toMatchObject({ format: 'multiple_choice', mapping: { prompt: 'question', choices: 'options', answer: 'label' } })
    expect(DataConfig.parse(section).format).toBe('multiple_choice')
  })
})
