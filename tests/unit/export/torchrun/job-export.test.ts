// `mixture-studio export --format torchrun` as a user runs it: a trained run by id (recorded in its
// exports) or a run configuration not yet started (--config), the job folder's contents (the plan
// walks the trainer's seeded order, epochs and the smaller last batch included), what is refused
// and why (a max_length past GPT-2's positions too), and a disk that fills up halfway (the previous job folder is left as it was).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../../../main/store'
import { BatchOrder } from '../../../../main/train/batches'
import { runCli } from '../../../helpers/cli-in-process'
import { makeTempDir } from '../../../helpers/temp-dir'
import { writeTinyModel } from '../../../helpers/tiny-models'
import { canMountTmpfs } from '../../../helpers/tmpfs'
import { writePromptCompletionFile } from '../../train/support'

let tmp: ReturnType<typeof makeTempDir>
const home = () => join(tmp.dir, 'home')
const cli = (args: string[]) => runCli(args, { home: home() })

function writeConfig(name: string, lines: { model?: string; data?: string } = {}): string {
  const path = join(tmp.dir, name)
  const model = lines.model ?? 'model'
  const data = lines.data ?? '{ train: train.jsonl, max_length: 128 }'
  writeFileSync(path, `model: ${model}\ndata: ${data}\nadapter: { method: mov, experts: 2 }\ntrain: { lr: 0.05, batch_size: 4, grad_accum: 2, epochs: 2, seed: 9, save_every: 100 }\ndevice: cpu\n`)
  return path
}

/** A little-endian .npy's shape and values (int32 / int64 / uint8), as numpy.load would read them. */
function readNpy(path: string): { shape: number[]; values: number[] } {
  const bytes = readFileSync(path)
  expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY')
  const headerLength = bytes.readUInt16LE(8)
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1')
  expect((10 + headerLength) % 64).toBe(0)
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').map((d) => d.trim()).filter(Boolean).map(Number)
  const descr = /'descr': '([^']+)'/.exec(header)![1]
  const data = bytes.subarray(10 + headerLength)
  const values =
    descr === '<i4' ? Array.from(new Int32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)))
    : descr === '<i8' ? Array.from(new BigInt64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)), Number)
    : Array.from(data)
  return { shape, values }
}

beforeAll(() => {
  tmp = makeTempDir('ms-job-export-')
  writeTinyModel(join(tmp.dir, 'model'), 'qwen2')
  writePromptCompletionFile(join(tmp.dir, 'train.jsonl'), 10)
})
afterAll(() => tmp.remove())

describe('export --format torchrun', () => {
  it('writes the job of a configuration not yet started: model.py, train.py, job.json, the data and the plan', async () => {
    const out = join(tmp.dir, 'job-config')
    const result = await cli(['export', '--config', writeConfig('run.yaml'), '--format', 'torchrun', '--out', out])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`as a cluster job to ${out}`)
    expect(result.stdout).toContain(`mixture-studio runs import-job ${out}`)
    expect(result.stdout).toContain(join(out, 'data', 'plan.npy'))
    expect(readdirSync(out).sort()).toEqual(['.mixture-studio-export.json', 'README.md', 'adapter_init.safetensors', 'constants.safetensors', 'data', 'job.json', 'model.py', 'requirements.txt', 'train.py'])

    const job = JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')) as { format: string; job_id: string; run: null; train: { total_steps: number; grad_accum: number }; data: { train_examples: number }; model: { path: string; family: string } }
    expect(job).toMatchObject({ format: 'mixture-studio-torchrun', run: null, model: { path: join(tmp.dir, 'model'), family: 'llama' }, data: { train_examples: 10 } })
    // 2 epochs of 10 examples in batches of 4 (4, 4, 2): 6 batches, 2 a step: 3 steps.
    expect(job.train.total_steps).toBe(3)
    const plan = readNpy(join(out, 'data', 'plan.npy'))
    expect(plan.shape).toEqual([3, 2, 4])
    const order = new BatchOrder(10, { batchSize: 4, shuffle: true, seed: 9 })
    const expected = [0, 1].flatMap((epoch) => [0, 4, 8].map((start) => Array.from(order.orderOf(epoch).subarray(start, start + 4))))
    expect(expected.map((b) => [...b, ...Array(4 - b.length).fill(-1)]).flat()).toEqual(plan.values)
    expect(readNpy(join(out, 'data', 'positions.npy'))).toEqual({ shape: [3, 2], values: [0, 2, 1, 1, 2, 0] })
    const offsets = readNpy(join(out, 'data', 'train.offsets.npy'))
    expect(offsets.shape).toEqual([11])
    expect(readNpy(join(out, 'data', 'train.tokens.npy')).shape).toEqual([offsets.values[10]])
    expect(readNpy(join(out, 'data', 'validation.offsets.npy'))).toEqual({ shape: [1], values: [0] })
    const readme = readFileSync(join(out, 'README.md'), 'utf8')
    expect(readme).toContain(job.job_id)
    expect(readme).toContain('torchrun --standalone --nproc_per_node')
    expect(readme).toContain('accelerate launch')
    expect(readme).toContain('#SBATCH')
    expect(readFileSync(join(out, 'requirements.txt'), 'utf8')).toBe('torch>=1.13\nnumpy\n')
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe(readFileSync(resolve('main/export/torchrun/python/train.py'), 'utf8'))
    expect(readFileSync(join(out, 'model.py'), 'utf8')).toContain('class MixtureModel(torch.nn.Module)')
  })

  it('exports a trained run by id and records the export with it', async () => {
    const trained = await cli(['train', '--config', writeConfig('trained.yaml'), '--json', '--threads', '1'])
    expect(trained.code, trained.stderr).toBe(0)
    const runId = (JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as { run_id: string }).run_id
    const out = join(tmp.dir, 'job-run')
    const result = await cli(['export', runId, '--format', 'torchrun', '--out', out, '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'export', format: 'torchrun', method: 'mov', runId, recorded: true, adapterLabel: null })
    expect(JSON.parse(readFileSync(join(out, 'job.json'), 'utf8')).run).toMatchObject({ id: runId })
    const store = openStore(home())
    try {
      expect(store.artifacts.listExports(runId).map((e) => e.format)).toContain('torchrun')
    } finally {
      store.close()
    }
    // Once more into the same folder: refused without --force, replaced with it.
    expect((await cli(['export', runId, '--format', 'torchrun', '--out', out])).stderr).toContain('holds a previous torchrun export')
    expect((await cli(['export', runId, '--format', 'torchrun', '--out', out, '--force'])).code).toBe(0)
  }, 60_000)

  it('refuses what the job cannot train, saying why and what to do, and writes nothing', async () => {
    const quantized = await cli(['export', '--config', writeConfig('q.yaml', { model: '{ path: model, quantize: int4 }' }), '--format', 'torchrun', '--out', join(tmp.dir, 'no-1')])
    expect(quantized.code).toBe(1)
    expect(quantized.stderr).toMatch(/model\.quantize is int4: the cluster job trains on the model's weights as stored .* model\.quantize: none/)
    const packed = await cli(['export', '--config', writeConfig('p.yaml', { data: '{ train: train.jsonl, max_length: 128, packing: true }' }), '--format', 'torchrun', '--out', join(tmp.dir, 'no-2')])
    expect(packed.stderr).toContain('data.packing is on')
    const notTorchrun = await cli(['export', '--config', writeConfig('n.yaml'), '--format', 'peft', '--out', join(tmp.dir, 'no-3')])
    expect(notTorchrun.code).toBe(2)
    expect(notTorchrun.stderr).toContain('--config exports a run configuration as a cluster job: use it with --format torchrun')
    mkdirSync(join(tmp.dir, 'an-adapter'))
    const folder = await cli(['export', join(tmp.dir, 'an-adapter'), '--format', 'torchrun', '--out', join(tmp.dir, 'no-4')])
    expect(folder.stderr).toContain('a cluster job trains a run')
    writeTinyModel(join(tmp.dir, 'gpt2'), 'gpt2')
    const long = await cli(['export', '--config', writeConfig('g.yaml', { model: 'gpt2' }), '--format', 'torchrun', '--out', join(tmp.dir, 'no-5')])
    expect(long.stderr).toContain("data.max_length 128 is more than this model's context of 64 tokens (n_positions in its config.json): use 64 or less.")
    for (const n of [1, 2, 3, 4, 5]) expect(existsSync(join(tmp.dir, `no-${n}`))).toBe(false)
  })
})

describe.skipIf(!canMountTmpfs())('export --format torchrun onto a disk that fills up', () => {
  it('says the disk is full and where, and leaves the previous job folder as it was', async () => {
    const config = writeConfig('disk.yaml')
    const previous = join(tmp.dir, 'previous-job')
    expect((await cli(['export', '--config', config, '--format', 'torchrun', '--out', previous])).code).toBe(0)
    const pages = filesOf(previous).reduce((n, f) => n + Math.ceil(statSync(f).size / 4096), 0)
    const disk = join(tmp.dir, 'disk')
    const after = join(tmp.dir, 'after')
    mkdirSync(disk)
    const out = join(disk, 'job')
    const script =
      `mount -t tmpfs -o size=${(pages + Math.floor(pages / 2)) * 4096} tmpfs "$1" && cp -r "$2" "$3" && ` +
      `MIXTURE_STUDIO_HOME="$4" "$5" "$6" export --config "$7" --format torchrun --out "$3" --force; code=$?; cp -r "$1" "$8"; exit $code`
    const args = [disk, previous, out, home(), process.execPath, resolve('bin/mixture-studio.mjs'), config, after]
    const result = spawnSync('unshare', ['-Urm', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8', timeout: 120_000 })
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(1)
    expect(result.stderr).toContain(`the disk is full: no room to write the torchrun export in ${out}. The export stopped, its partly written files were removed and ${out} was left as it was`)
    expect(readdirSync(after)).toEqual(['job'])
    const copy = join(tmp.dir, 'previous-copy')
    cpSync(previous, copy, { recursive: true })
    expect(filesOf(join(after, 'job')).map((f) => [f.slice(join(after, 'job').length), readFileSync(f).toString('base64')])).toEqual(filesOf(copy).map((f) => [f.slice(copy.length), readFileSync(f).toString('base64')]))
  }, 120_000)
})

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) => (e.isDirectory() ? filesOf(join(dir, e.name)) : [join(dir, e.name)]))
}
