import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { APP_ID } from '../../../main/app/app-id'

describe('the app id', () => {
  it("is electron-builder's appId, which the Windows installer's shortcut carries", () => {
    const config = parse(readFileSync(join(__dirname, '../../../electron-builder.yml'), 'utf8')) as { appId: string }
    expect(config.appId).toBe(APP_ID)
  })
})
