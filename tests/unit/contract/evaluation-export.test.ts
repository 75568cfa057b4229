// An evaluation's table as CSV and Markdown (one module for the CLI's files and the page's
// downloads), built from stored counts: accuracy and the Wilson interval computed at read time, a
// tie for the best marking both columns (a row where all tie marks none), an unscored cell left
// empty, and a column's mean only once it has every task (a mean over fewer would not compare).
import { describe, expect, it } from 'vitest'
import { evaluationCsv, evaluationMarkdown, type EvaluationConfig } from '../../../main/contract'
import { evaluationDetail } from '../../../main/evaluations/table'
import type { EvaluationRecord } from '../../../main/store'

const CONFIG: EvaluationConfig = {
  model: { id: null, name: 'tiny', path: '/models/tiny' },
  columns: [
    { key: 'base', kind: 'base', label: 'base', runId: null, runName: null, checkpoint: null, adapter: null, adapterLabel: null },
    // A comma in the run's name: CSV must quote it.
    { key: 'r1@best', kind: 'run', label: 'mov, r4 (best)', runId: 'r1', runName: 'mov, r4', checkpoint: 'best', adapter: '/runs/r1/checkpoints/step-20', adapterLabel: 'checkpoint step-20' },
    { key: 'r2@last', kind: 'run', label: 'lora (last)', runId: 'r2', runName: 'lora', checkpoint: 'last', adapter: '/runs/r2/adapter', adapterLabel: 'final adapter' },
  ],
  sets: ['arc', 'boolq', 'copa'].map((name) => ({ name, datasetId: null, file: `/data/${name}.jsonl` })),
  lengthNormalize: false,
}

const RECORD: EvaluationRecord = {
  id: 'e1', name: 'demo | MoV', model: '/models/tiny', config: CONFIG, status: 'cancelled', error: 'Stopped', createdAt: '2026-01-01T00:00:00.000Z', finishedAt: null,
  pid: null, bootTimeMs: null, processStartedAt: null,
}

const DETAIL = evaluationDetail(RECORD, [
  { task: 'arc', columnKey: 'base', correct: 2, examples: 4 },
  { task: 'arc', columnKey: 'r1@best', correct: 3, examples: 4 },
  { task: 'arc', columnKey: 'r2@last', correct: 1, examples: 4 },
  // A tie for the best: both runs win the row.
  { task: 'boolq', columnKey: 'base', correct: 2, examples: 4 },
  { task: 'boolq', columnKey: 'r1@best', correct: 3, examples: 4 },
  { task: 'boolq', columnKey: 'r2@last', correct: 3, examples: 4 },
  // The MoV run's copa cell was never scored (the evaluation was stopped); the others tie, so nobody won.
  { task: 'copa', columnKey: 'base', correct: 1, examples: 4 },
  { task: 'copa', columnKey: 'r2@last', correct: 1, examples: 4 },
])

describe('evaluation table', () => {
  it('marks each row\'s winners (both on a tie for the best, none when all tie), and a mean only for complete columns', () => {
    expect(DETAIL.rows.map((r) => r.winners)).toEqual([['r1@best'], ['r1@best', 'r2@last'], []])
    expect(DETAIL.rows[2].cells['r1@best']).toBeNull()
    expect(DETAIL.mean).toEqual({ base: (0.5 + 0.5 + 0.25) / 3, 'r1@best': null, 'r2@last': (0.25 + 0.75 + 0.25) / 3 })
    // The two complete means are equal: nobody won.
    expect(DETAIL.meanWinners).toEqual([])
    expect(DETAIL).toMatchObject({ cellsDone: 8, cellsTotal: 9, tasks: ['arc', 'boolq', 'copa'] })
  })

  it('renders CSV: a line per cell with counts and interval, then the means', () => {
    expect(evaluationCsv(DETAIL)).toBe(
      'row,task,column,run_id,checkpoint,adapter,correct,examples,accuracy,ci95_low,ci95_high,winner\n' +
        'task,arc,base,,,,2,4,0.500000,0.150039,0.849961,false\n' +
        'task,arc,"mov, r4 (best)",r1,best,checkpoint step-20,3,4,0.750000,0.300642,0.954413,true\n' +
        'task,arc,lora (last),r2,last,final adapter,1,4,0.250000,0.045587,0.699358,false\n' +
        'task,boolq,base,,,,2,4,0.500000,0.150039,0.849961,false\n' +
        'task,boolq,"mov, r4 (best)",r1,best,checkpoint step-20,3,4,0.750000,0.300642,0.954413,true\n' +
        'task,boolq,lora (last),r2,last,final adapter,3,4,0.750000,0.300642,0.954413,true\n' +
        'task,copa,base,,,,1,4,0.250000,0.045587,0.699358,false\n' +
        'task,copa,"mov, r4 (best)",r1,best,checkpoint step-20,,,,,,false\n' +
        'task,copa,lora (last),r2,last,final adapter,1,4,0.250000,0.045587,0.699358,false\n' +
        'mean,,base,,,,,,0.416667,,,false\n' +
        'mean,,"mov, r4 (best)",r1,best,checkpoint step-20,,,,,,false\n' +
        'mean,,lora (last),r2,last,final adapter,,,0.416667,,,false\n',
    )
  })

  it('renders the paper\'s table in Markdown: winners in bold, an empty cell as a dash', () => {
    expect(evaluationMarkdown(DETAIL)).toBe(
      '## demo \\| MoV\n' +
        '\n' +
        'Model tiny. Accuracy (%) by rank classification, with its 95% Wilson interval; **bold**: the best of each row.\n' +
        '\n' +
        '| Task | n | base | mov, r4 (best) | lora (last) |\n' +
        '| --- | ---: | ---: | ---: | ---: |\n' +
        '| arc | 4 | 50.0 [15.0, 85.0] | **75.0 [30.1, 95.4]** | 25.0 [4.6, 69.9] |\n' +
        '| boolq | 4 | 50.0 [15.0, 85.0] | **75.0 [30.1, 95.4]** | **75.0 [30.1, 95.4]** |\n' +
        '| copa | 4 | 25.0 [4.6, 69.9] | — | 25.0 [4.6, 69.9] |\n' +
        '| Mean |  | 41.7 | — | 41.7 |\n',
    )
  })

  it('bolds the best mean', () => {
    const complete = evaluationDetail(RECORD, [
      ...['arc', 'boolq', 'copa'].map((task) => ({ task, columnKey: 'base', correct: 1, examples: 4 })),
      ...['arc', 'boolq', 'copa'].map((task) => ({ task, columnKey: 'r1@best', correct: 3, examples: 4 })),
    ])
    expect(complete.meanWinners).toEqual(['r1@best'])
    expect(evaluationMarkdown(complete).trimEnd().split('\n').at(-1)).toBe('| Mean |  | 25.0 | **75.0** | — |')
  })
})
