// The checks before Start against the data folder's disk: a run whose model.quantize copy is still
// to be made is refused when the copy cannot fit there (it would fail after reading every weight),
// warned when it leaves under a GiB, and not checked once a current copy is there. On a real
// small disk: a tmpfs holding the data folder, in a user and mount namespace.
import { spawnSync } from 'node:child_process'
import { utimesSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyDiskProblem, COPY_DISK_MARGIN_BYTES } from '../../../main/services/run-checks'
import { inspectModelFolder, openModel } from '../../../main/models'
import { ensureQuantizedCopy } from '../../../main/models/quantized/quantize-folder'
import { runCheckMachine } from '../../../main/services/run-check-machine'
import { openStore } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'
import { writeTinyModel } from '../../helpers/tiny-models'
import { canMountTmpfs } from '../../helpers/tmpfs'

const MiB = 1024 ** 2

describe('a quantized copy against the free disk', () => {
  it('refuses a copy larger than the free space, warns when it leaves under a GiB, and says nothing otherwise', () => {
    expect(copyDiskProblem(5 * MiB, 4 * MiB, 'int4')).toEqual({
      path: 'model.quantize',
      severity: 'refusal',
      message: "The int4 copy of this model's weights needs about 5.0 MiB in the data folder; its disk has 4.0 MiB free. Free some space (System → Storage shows what the data folder holds, and deletes unused copies), or set MIXTURE_STUDIO_HOME to a folder on a larger disk.",
    })
    expect(copyDiskProblem(5 * MiB, 5 * MiB + COPY_DISK_MARGIN_BYTES - 1, 'int8')).toMatchObject({ severity: 'warning', message: expect.stringMatching(/^The int8 copy of this model's weights \(about 5\.0 MiB\) leaves 1024\.0 MiB free on the data folder's disk; checkpoints need room too\./) })
    expect(copyDiskProblem(5 * MiB, 5 * MiB + COPY_DISK_MARGIN_BYTES, 'int4')).toBeNull()
  })
})

describe('the copy a run would read', () => {
  it('is found for the model folder and scheme while its weight files are as they were copied', () => {
    const temp = makeTempDir('ms-copy-current-')
    try {
      const home = join(temp.dir, 'home')
      const model = writeTinyModel(join(temp.dir, 'model'), 'llama')
      const store = openStore(home)
      try {
        const machine = runCheckMachine(store, home)
        // Opened afresh each time, as each check opens the model folder.
        const has = (scheme: 'int4' | 'int8') => machine.hasCurrentCopy(openModel(model.dir), scheme)
        expect(has('int4')).toBe(false)
        ensureQuantizedCopy(inspectModelFolder(model.dir), 'int4', home)
        expect(has('int4')).toBe(true)
        expect(has('int8')).toBe(false)
        utimesSync(join(model.dir, 'model.safetensors'), new Date(), new Date(Date.now() + 60_000)) // a new download: it makes another
        expect(has('int4')).toBe(false)
        expect(machine.freeDiskBytes()).toBeGreaterThan(0)
      } finally {
        store.close()
      }
    } finally {
      temp.remove()
    }
  })
})

describe.skipIf(!canMountTmpfs())('train --check with the data folder on a small disk', () => {
  let temp: ReturnType<typeof makeTempDir>
  let configFile: string
  beforeAll(() => {
    temp = makeTempDir('ms-copy-disk-')
    // About 10M parameters: a 4-bit copy of about 6 MiB, more than a 4 MiB disk holds.
    const model = writeTinyModel(join(temp.dir, 'model'), 'llama', { config: { hidden_size: 512, intermediate_size: 1024, num_hidden_layers: 4, num_attention_heads: 8, num_key_value_heads: 8 } })
    const train = join(temp.dir, 'train.jsonl')
    writeFileSync(train, Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `say ${i}`, completion: ` ${i}` })).join('\n') + '\n')
    configFile = join(temp.dir, 'run.json')
    writeFileSync(configFile, JSON.stringify({ model: { path: model.dir, quantize: 'int4' }, data: { train, max_length: 32 }, adapter: { method: 'ia3' }, train: { max_steps: 1 }, device: 'cpu' }))
  })
  afterAll(() => temp.remove())

  function checkOnDisk(size: string): { status: number | null; stdout: string; stderr: string } {
    const script = `mount -t tmpfs -o size=${size} tmpfs "$1" && MIXTURE_STUDIO_HOME="$1/home" "$2" "$3" train --config "$4" --check`
    const result = spawnSync('unshare', ['-Urm', 'sh', '-c', script, 'sh', join(temp.dir, `disk-${size}`), process.execPath, resolve('bin/mixture-studio.mjs'), configFile], { encoding: 'utf8', timeout: 120_000 })
    return { status: result.status, stdout: result.stdout, stderr: result.stderr }
  }

  it('refuses the run when its 4-bit copy cannot fit, and warns when it fits with little room', () => {
    spawnSync('mkdir', ['-p', join(temp.dir, 'disk-4m'), join(temp.dir, 'disk-32m')])
    const small = checkOnDisk('4m')
    expect(small.status, small.stderr).toBe(1)
    expect(small.stdout).toMatch(/\n {2}refused {2}model\.quantize: The int4 copy of this model's weights needs about [56]\.\d MiB in the data folder; its disk has [0-3]\.\d MiB free\. Free some space/)
    const roomy = checkOnDisk('32m')
    expect(roomy.status, roomy.stderr).toBe(0)
    expect(roomy.stdout).toMatch(/\n {2}warning {2}model\.quantize: The int4 copy of this model's weights \(about [56]\.\d MiB\) leaves 2\d\.\d MiB free on the data folder's disk/)
  }, 180_000)
})
