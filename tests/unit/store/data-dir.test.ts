import { describe, expect, it } from 'vitest'
import { databasePath, resolveDataDir } from '../../../main/store'

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
