// `runs show` and `runs compare` over runs trained by `mixture-studio train` into a temp data dir.
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../helpers/cli-in-process'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { writePromptCompletionFile } from '../train/support'

let tmp: ReturnType<typeof makeTempDir>
const runIds: string[] = []

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await runCli(args, { home: join(tmp.dir, 'home') })
  return { code, out: stdout, err: stderr }
}

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').at(-1)!) as Record<string, unknown>

beforeAll(async () => {
  tmp = makeTempDir('ms-runs-cli-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 12)
  // The MoV run also answers a prompt at each eval step.
  for (const [name, adapter, extra] of [['mov', '{ method: mov, experts: 2 }', 'eval: { prompts: [copy abc], max_new_tokens: 3 }\n'], ['lora', '{ method: lora, rank: 2 }', '']]) {
    const path = join(tmp.dir, `${name}.yaml`)
    writeFileSync(path, `name: ${name}-run\nmodel: model\ndata: { train: train.jsonl, split: 4, max_length: 128 }\nadapter: ${adapter}\ntrain: { lr: 0.01, batch_size: 4, max_steps: 3, eval_every: 2, save_every: 10 }\ndevice: cpu\n${extra}`)
    const { code, out } = await cli(['train', '--config', path, '--json'])
    expect(code).toBe(0)
    runIds.push(lastJson(out).run_id as string)
  }
}, 120_000)
afterAll(() => tmp.remove())

describe('mixture-studio runs show / compare', () => {
  it('show prints status, adapter, checkpoints and the latest metrics', async () => {
    const { code, out } = await cli(['runs', 'show', runIds[0]])
    expect(code).toBe(0)
    expect(out).toMatch(/^mov-run {2}\(/)
    expect(out).toMatch(/status +completed/)
    expect(out).toMatch(/adapter +\S+adapter/)
    expect(out).toMatch(/loss +\d+\.\d{4} at step 3/)
    expect(out).toMatch(/routers +load and entropy at \d+ sites/)
    expect(out).toMatch(/trained +\d+\.\ds\n/)
    expect(out).toMatch(/device +cpu, float32\n/)
    expect(out).toMatch(/\nmodel +\S+model\n/)
    // Its validation loss picks the best checkpoint (the lowest eval_loss after step 0), marked among them.
    expect(out).toMatch(/steps +3 of 3\n/)
    expect(out).toMatch(/checkpoints +.*\d \(best\)/)
    const json = JSON.parse((await cli(['runs', 'show', runIds[0], '--json'])).out) as { run: { id: string; trainingSeconds: number }; latest: Record<string, unknown> }
    expect(json.run.id).toBe(runIds[0])
    expect(json.run.trainingSeconds).toBeGreaterThan(0)
    expect(Object.keys(json.latest)).toEqual(expect.arrayContaining(['loss', 'eval_loss']))
  })

  it("show prints the run's answers to its prompts at the newest eval step", async () => {
    const { out } = await cli(['runs', 'show', runIds[0], '--log', '0'])
    expect(out).toMatch(/\nanswers at step 3:\n {2}copy abc → .+\n$/)
    const json = JSON.parse((await cli(['runs', 'show', runIds[0], '--json'])).out) as { answers: { step: number; promptIndex: number; prompt: string; answer: string }[] }
    expect(json.answers).toEqual([{ step: 3, promptIndex: 0, prompt: 'copy abc', answer: expect.any(String) }])
    expect((await cli(['runs', 'show', runIds[1]])).out).not.toContain('answers at step')
  })

  it("show prints the end of the run's stored log (--log N lines, 0 for none)", async () => {
    const { code, out } = await cli(['runs', 'show', runIds[0], '--log', '3'])
    expect(code).toBe(0)
    const tail = out.slice(out.indexOf('log ('))
    expect(tail).toMatch(/^log \(last 3 of \d+ lines\):\n/)
    expect(tail.trim().split('\n').slice(1)).toEqual([
      expect.stringMatching(/^ {2}\d\d:\d\d:\d\d info {2}eval at step 3: loss \d+\.\d{4}/),
      expect.stringMatching(/^ {2}\d\d:\d\d:\d\d info {2}checkpoint at step 3: /),
      expect.stringMatching(/^ {2}\d\d:\d\d:\d\d info {2}run completed; adapter in /),
    ])
    expect((await cli(['runs', 'show', runIds[0], '--log', '0'])).out).not.toContain('log (')
    const json = JSON.parse((await cli(['runs', 'show', runIds[0], '--json', '--log', '2'])).out) as { log: { lines: { message: string }[]; total: number } }
    expect(json.log.lines.map((l) => l.message)).toEqual([expect.stringMatching(/^checkpoint at step 3/), expect.stringMatching(/^run completed/)])
    expect((await cli(['runs', 'show', runIds[0], '--log', 'many'])).code).toBe(2)
  })

  it('compare lists losses side by side and only the configuration fields that differ', async () => {
    const { code, out } = await cli(['runs', 'compare', ...runIds, '--json'])
    expect(code).toBe(0)
    const [runs, diff] = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect((runs.runs as { method: string; bestEvalLoss: number | null }[]).map((r) => r.method)).toEqual(['mov', 'lora'])
    for (const r of runs.runs as { bestEvalLoss: number | null }[]) expect(r.bestEvalLoss).toBeGreaterThan(0)
    const paths = (diff.fields as { path: string }[]).map((f) => f.path)
    expect(paths).toEqual(expect.arrayContaining(['name', 'adapter.method']))
    expect(paths).not.toContain('train.lr')
    const table = (await cli(['runs', 'compare', ...runIds])).out
    expect(table).toMatch(/adapter\.method +mov +lora/)
  })

  it('takes the start of a run\'s id or its name wherever a RUN is asked for', async () => {
    const [mov, lora] = runIds
    // The shortest start of each id that the other's does not share, 4 characters at least.
    let length = 4
    while (mov.slice(0, length) === lora.slice(0, length)) length++
    const [movStart, loraStart] = [mov.slice(0, length), lora.slice(0, length)]
    expect((await cli(['runs', 'show', movStart, '--json'])).out).toContain(`"id":"${mov}"`)
    expect((await cli(['runs', 'show', 'lora-run', '--log', '0'])).out).toMatch(new RegExp(`^lora-run {2}\\(${lora}\\)`))
    expect((await cli(['runs', 'compare', movStart, 'lora-run'])).out).toMatch(/adapter\.method +mov +lora/)
    const scored = await cli(['eval', '--run', loraStart, '--json'])
    expect(scored.code).toBe(0)
    expect(scored.out).toContain(lora)
    const out = join(tmp.dir, 'exported-by-name')
    const exported = await cli(['export', 'mov-run', '--format', 'native', '--out', out, '--json'])
    expect(exported.code).toBe(0)
    expect(JSON.parse(exported.out.trim().split('\n').at(-1)!)).toMatchObject({ runId: mov })
  })

  it("generate --run answers as the run answered its prompt in training: its adapter, template and end of turn", async () => {
    const shown = JSON.parse((await cli(['runs', 'show', runIds[0], '--json'])).out) as { answers: { step: number; answer: string }[] }
    const trained = shown.answers.find((a) => a.step === 3)!.answer
    const { code, out } = await cli(['generate', '--run', 'mov-run', '--checkpoint', 'last', '--prompt', 'copy abc', '--max-tokens', '3', '--json', '--device', 'cpu'])
    expect(code).toBe(0)
    const generated = JSON.parse(out) as { text: string; run: string; checkpoint: string; template: string }
    expect(generated).toMatchObject({ run: runIds[0], checkpoint: 'final adapter', template: expect.stringMatching(/^(model|chatml)$/) })
    expect(generated.text.trim()).toBe(trained)
    // --raw asks in a form the adapter never saw; --model with --run is refused.
    expect(JSON.parse((await cli(['generate', '--run', 'mov-run', '--prompt', 'copy abc', '--max-tokens', '3', '--raw', '--json'])).out)).toMatchObject({ template: null })
    expect((await cli(['generate', '--run', 'mov-run', '--model', tmp.dir, '--prompt', 'x'])).code).toBe(2)
    expect((await cli(['generate', '--run', 'mov-run', '--checkpoint', '99', '--prompt', 'x'])).err).toMatch(/has no checkpoint at step 99/)
  })

  it('delete forgets runs and removes their folders; with an unknown one among them it deletes none', async () => {
    // A run of its own, so the others stay for the tests above.
    const path = join(tmp.dir, 'doomed.yaml')
    writeFileSync(path, 'name: doomed\nmodel: model\ndata: { train: train.jsonl, max_length: 128 }\nadapter: { method: ia3 }\ntrain: { batch_size: 4, max_steps: 1, save_every: 10 }\ndevice: cpu\n')
    const trained = lastJson((await cli(['train', '--config', path, '--json'])).out)
    const folder = (JSON.parse((await cli(['runs', 'show', 'doomed', '--json'])).out) as { folder: string }).folder
    expect(existsSync(folder)).toBe(true)
    expect((await cli(['runs', 'delete', 'doomed', 'no-such-run'])).err).toMatch(/no run no-such-run/)
    expect(existsSync(folder)).toBe(true)
    expect(await cli(['runs', 'delete', 'doomed'])).toMatchObject({ code: 0, out: `Deleted run doomed (${trained.run_id as string}) and its folder.\n` })
    expect(existsSync(folder)).toBe(false)
    const listed = (await cli(['runs', 'list', '--json'])).out
    expect(listed).not.toContain(trained.run_id as string)
    expect(listed).toContain(runIds[0])
    expect((await cli(['runs', 'delete'])).code).toBe(2)
  })

  it("list shows each run's best validation loss and how long it trained, as the Runs page does", async () => {
    const { out } = await cli(['runs', 'list'])
    const [header, ...rows] = out.trimEnd().split('\n')
    expect(header).toMatch(/^ID\s+NAME\s+STATUS\s+METHOD\s+BEST EVAL\s+TRAINED\s+CREATED$/)
    const shown = JSON.parse((await cli(['runs', 'compare', ...runIds, '--json'])).out.split('\n')[0]) as { runs: { id: string; bestEvalLoss: number }[] }
    for (const run of shown.runs) {
      expect(rows.find((row) => row.startsWith(run.id))).toMatch(new RegExp(`\\s${run.bestEvalLoss.toFixed(4)}\\s+\\d+\\.\\ds\\s`))
    }
  })

  it('names a run that does not exist, and wants two runs to compare', async () => {
    const missing = await cli(['runs', 'show', 'no-such-run'])
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/no run no-such-run/)
    expect((await cli(['runs', 'compare', runIds[0]])).code).toBe(2)
  })
})
