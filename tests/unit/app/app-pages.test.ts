import { describe, expect, it } from 'vitest'
import { appContentSecurityPolicy, appIndexUrl, isAppUrl, isPermissionGranted } from '../../../main/app/app-pages'
import { contentSecurityPolicy, webModeConnectSources } from '../../../main/server/content-security-policy'

const devServer = 'http://localhost:5173'

describe('the desktop app trusts only its own pages', () => {
  it('trusts app://renderer/ and not file:// pages, other app:// hosts or the web', () => {
    expect(isAppUrl(appIndexUrl, undefined)).toBe(true)
    expect(isAppUrl('app://renderer/index.html#/runs/abc', undefined)).toBe(true)
    expect(isAppUrl('app://RENDERER/index.html', undefined)).toBe(true)
    // Before app://, any file:// page was trusted: any HTML file on the disk.
    expect(isAppUrl('file:///home/someone/Downloads/page.html', undefined)).toBe(false)
    expect(isAppUrl('app://elsewhere/index.html', undefined)).toBe(false)
    expect(isAppUrl('https://example.com/', undefined)).toBe(false)
    expect(isAppUrl('javascript:alert(1)', undefined)).toBe(false)
    expect(isAppUrl('not a url', undefined)).toBe(false)
    expect(isAppUrl('', undefined)).toBe(false)
  })

  it('while developing, trusts the dev server origin only', () => {
    expect(isAppUrl('http://localhost:5173/#/runs', devServer)).toBe(true)
    expect(isAppUrl('http://localhost:5174/', devServer)).toBe(false)
    expect(isAppUrl('https://localhost:5173/', devServer)).toBe(false)
    expect(isAppUrl('http://evil.example/?http://localhost:5173', devServer)).toBe(false)
    expect(isAppUrl(appIndexUrl, devServer)).toBe(false)
  })

  it('grants no web permission but clipboard writes and notifications, to its own pages', () => {
    expect(isPermissionGranted('clipboard-sanitized-write', appIndexUrl, undefined)).toBe(true)
    expect(isPermissionGranted('clipboard-sanitized-write', 'app://renderer', undefined)).toBe(true)
    expect(isPermissionGranted('clipboard-sanitized-write', 'https://example.com/', undefined)).toBe(false)
    expect(isPermissionGranted('notifications', appIndexUrl, undefined)).toBe(true)
    expect(isPermissionGranted('notifications', 'https://example.com/', undefined)).toBe(false)
    for (const permission of ['clipboard-read', 'media', 'geolocation', 'openExternal', 'fileSystem', 'unknown']) {
      expect(isPermissionGranted(permission, appIndexUrl, undefined)).toBe(false)
    }
  })
})

describe('one Content-Security-Policy for web mode and the desktop app', () => {
  it('differs between them only in where the page may connect', () => {
    const withoutConnect = (policy: string) => policy.split('; ').filter((part) => !part.startsWith('connect-src'))
    const web = contentSecurityPolicy(webModeConnectSources(4000))
    expect(withoutConnect(appContentSecurityPolicy(undefined))).toEqual(withoutConnect(web))
    expect(withoutConnect(appContentSecurityPolicy(devServer))).toEqual(withoutConnect(web))
    // The directive the two copies had drifted on.
    expect(appContentSecurityPolicy(undefined)).toContain("worker-src 'self' blob:")
  })

  it('lets app:// pages connect nowhere else, and dev pages to the dev server', () => {
    expect(appContentSecurityPolicy(undefined)).toBe(contentSecurityPolicy())
    expect(appContentSecurityPolicy(undefined)).toContain("connect-src 'self';")
    expect(appContentSecurityPolicy(`${devServer}/`)).toContain(`connect-src 'self' ${devServer} ws://localhost:5173;`)
  })
})
