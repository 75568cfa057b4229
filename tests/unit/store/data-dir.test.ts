import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { databasePath, openStore, resolveDataDir, StoreLocationError } from '../../../main/store'
import { makeTempDir } from '../../helpers/temp-dir'

describe('resolveDataDir', () => {
  it('prefers MIXTURE_STUDIO_HOME', () => {
    expect(resolveDataDir({ env: { MIXTURE_STUDIO_HOME: '/srv/studio' }, platform: 'linux', home: '/home/u' })).toBe('/srv/studio')
  })

  it('uses the platform application-data folder otherwise', () => {
    expect(resolveDataDir({ env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.local/share/mixture-studio')
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, platform: 'linux', home: '/home/u' })).toBe('/xdg/mixture-studio')
    expect(resolveDataDir({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/Mixture Studio',
    )
    expect(resolveDataDir({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\Mixture Studio',
    )
  })

  it('puts the database at <dataDir>/studio.db', () => {
    expect(databasePath('/srv/studio')).toBe('/srv/studio/studio.db')
  })
})

describe('the data folder', () => {
  it('is reported by name when it is a file, or lies under one, and the file is left alone', () => {
    const temp = makeTempDir()
    try {
      const file = join(temp.dir, 'home')
      writeFileSync(file, 'not a folder')
      expect(() => openStore(file)).toThrow(StoreLocationError)
      expect(() => openStore(file)).toThrow(`The data folder ${file} is a file, not a folder`)
      expect(() => openStore(join(file, 'studio'))).toThrow(`The data folder ${join(file, 'studio')} cannot be made: ${file} is a file, not a folder`)
      expect(readFileSync(file, 'utf8')).toBe('not a folder')
    } finally {
      temp.remove()
    }
  })
})
