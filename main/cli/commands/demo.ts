import { resolve } from 'node:path'
import { demoRunConfig } from '../../demo/demo-run-config'
import { SAMPLE_ROWS } from '../../demo/demo-files'
import { DEMO_STEPS } from '../../contract/demo'
import { openServices } from '../open-services'
import { EXIT_FAILURE, EXIT_OK, type Command } from '../command'
import { parseOptions } from '../parse-options'
import { positiveInteger } from './eval'
import { recordRun, trainLocally, waitInQueue } from './run-locally'
import { cliDataDir } from '../open-services'
import { trainPrinter } from './train-output'

export const demoCommand: Command = {
  name: 'demo',
  summary: 'train a MoV adapter on a small generated model and dataset (offline, about a minute on a CPU)',
  usage: `Usage: mixture-studio demo [--model DIR] [--data FILE] [--steps N] [--json]

Without --model, generates a small random Llama-style model (byte-level tokenizer built in
code) under <data dir>/demo/model; without --data, a sample dataset of prompt/completion rows
(copy, reverse, uppercase, count short strings) under <data dir>/demo/data. Both are made once
and registered (models list, datasets list), as the app's Try the demo does. Then trains MoV
(4 experts on keys, values and FFN; lr 3e-2 after a 60-step warm-up, load balancing 0.1 so the
routers stay spread) with 10% of the rows held out, and prints the loss falling and where the
adapter was written.

  --steps N   training steps (default 600)
  --json      one JSON object per line, as \`train --json\``,

  async run(args, context) {
    const { values } = parseOptions(args, { model: { type: 'string' }, data: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } })
    const json = values.json ?? false
    const steps = positiveInteger('--steps', values.steps, DEMO_STEPS)
    const dataDir = cliDataDir(context)
    const say = (text: string) => (json ? undefined : context.stdout(`${text}\n`))
    // The app's Try the demo makes and registers the same pieces (main/services/demo.ts): each finds the other's.
    const services = openServices(context, { longCallsInProcess: true })
    let model: string
    let data: string
    try {
      if (values.model) model = resolve(values.model)
      else {
        const demo = await services.demoMakeModel({})
        model = demo.model.path
        if (demo.made) say(`generated a random Llama-style model (${(demo.model.parameterCount / 1e6).toFixed(2)}M parameters) in ${model}`)
      }
      if (values.data) data = resolve(values.data)
      else {
        const demo = await services.demoMakeDataset({})
        data = demo.dataset.path
        if (demo.made) say(`generated a sample dataset (${SAMPLE_ROWS} prompt/completion rows) in ${data}`)
      }
    } finally {
      await services.close()
    }
    const config = demoRunConfig({ model, data }, steps)
    const began = performance.now()
    let firstLoss: number | null = null
    let lastLoss: number | null = null
    let firstEval: number | null = null
    let lastEval: number | null = null
    const printer = trainPrinter(context, json)
    // Like train: it waits while the studio or another train holds the device.
    const { runId, queued } = recordRun(dataDir, config)
    if (queued && !(await waitInQueue(context, dataDir, runId, printer))) return EXIT_FAILURE
    const outcome = await trainLocally(context, dataDir, runId, {
      ...printer,
      event(event) {
        if (event.type === 'step') {
          firstLoss ??= event.loss
          lastLoss = event.loss
        }
        if (event.type === 'eval') {
          firstEval ??= event.loss
          lastEval = event.loss
        }
        printer.event(event)
      },
    })
    const seconds = (performance.now() - began) / 1000
    if (outcome.status !== 'completed') return EXIT_FAILURE
    const evalPart = firstEval !== null && lastEval !== null ? `, eval ${(firstEval as number).toFixed(3)} -> ${(lastEval as number).toFixed(3)}` : ''
    say(`loss ${firstLoss!.toFixed(3)} -> ${lastLoss!.toFixed(3)} (train${evalPart}) in ${seconds.toFixed(1)} s`)
    return EXIT_OK
  },
}
