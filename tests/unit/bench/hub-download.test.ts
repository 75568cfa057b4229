import { readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { hubDownloadBench } from '../../../main/bench/hub-download'

describe('bench hub-download', () => {
  it('downloads from the local Hub and reads from disk in their own processes, then removes its files', async () => {
    const before = readdirSync(tmpdir()).filter((name) => name.startsWith('mixture-studio-bench-hub-'))
    const figures = await hubDownloadBench({ sizeMb: 4, reps: 1 })
    expect(figures).toMatchObject({ bench: 'hub-download', file_mb: 4 })
    for (const key of ['download_mb_per_s', 'disk_read_mb_per_s', 'download_over_disk_read', 'peak_rss_mb', 'peak_rss_mb_quarter_size'] as const) {
      expect(figures[key], key).toBeGreaterThan(0)
    }
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith('mixture-studio-bench-hub-'))).toEqual(before)
  }, 120_000)
})
