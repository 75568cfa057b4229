import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { extractZipEntry, listZipEntries } from '../../../main/runtime/zip-entries'
import { makeTempDir } from '../../helpers/temp-dir'
import { tinyZip } from '../../helpers/tiny-zip'

let cleanup: (() => void) | null = null
afterEach(() => {
  cleanup?.()
  cleanup = null
})

function tempDir(): string {
  const temp = makeTempDir('mixture-studio-zip-')
  cleanup = temp.remove
  return temp.dir
}

describe('zip entries', () => {
  it('lists the central directory and extracts deflated, stored and empty entries', async () => {
    const dir = tempDir()
    const big = Buffer.from('onnxruntime '.repeat(50_000))
    const zip = join(dir, 'package.nupkg')
    writeFileSync(zip, tinyZip([
      { name: 'package.nuspec', data: Buffer.from('<package/>') },
      { name: 'runtimes/linux-x64/native/libbig.so', data: big },
      { name: 'stored.txt', data: Buffer.from('as is'), method: 0 },
      { name: 'empty', data: Buffer.alloc(0) },
    ]))
    const entries = await listZipEntries(zip)
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['package.nuspec', 8, 10], ['runtimes/linux-x64/native/libbig.so', 8, big.length], ['stored.txt', 0, 5], ['empty', 8, 0],
    ])
    for (const entry of entries) await extractZipEntry(zip, entry, join(dir, entry.name.replaceAll('/', '_')))
    expect(readFileSync(join(dir, 'runtimes_linux-x64_native_libbig.so')).equals(big)).toBe(true)
    expect(readFileSync(join(dir, 'stored.txt'), 'utf8')).toBe('as is')
    expect(readFileSync(join(dir, 'empty')).length).toBe(0)
  })

  it('refuses an entry whose bytes do not match its CRC-32, and a file that is not a zip', async () => {
    const dir = tempDir()
    const zip = join(dir, 'bad.nupkg')
    const bytes = tinyZip([{ name: 'a.so', data: Buffer.from('the real bytes'), method: 0 }])
    bytes[30 + 'a.so'.length] ^= 0xff // the first data byte
    writeFileSync(zip, bytes)
    const [entry] = await listZipEntries(zip)
    await expect(extractZipEntry(zip, entry, join(dir, 'a.so'))).rejects.toThrow(/a\.so came out 14 bytes with CRC-32 \w+, the archive says 14 bytes with \w+; the download is corrupt/)
    writeFileSync(join(dir, 'html.nupkg'), '<html>proxy login</html>')
    await expect(listZipEntries(join(dir, 'html.nupkg'))).rejects.toThrow(/is not a zip file .*the download is damaged/)
  })
})
