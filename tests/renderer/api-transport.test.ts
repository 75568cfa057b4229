// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Api } from '../../main/contract'
import { bridgeErrorMessage } from '../../main/contract/api-call-error'
import { callNames } from '../../main/contract/names'
import { systemInfo } from './fixtures'

/** Imports a fresh copy of the api module, which picks its transport when it loads. */
async function loadApiModule() {
  vi.resetModules()
  return import('../../renderer/src/api')
}

/** A preload bridge whose calls are unused unless overridden (lists and dialogs answer empty). */
function bridge(overrides: Partial<Api> = {}): Api {
  const unused = Object.fromEntries(callNames.map((name) => [name, async () => { throw new Error(`${name}: not used`) }]))
  return {
    ...unused,
    systemInfo: async () => systemInfo(),
    runsList: async () => [],
    jobsList: async () => [],
    datasetsList: async () => [],
    onJobEvent: () => () => {},
    ...overrides,
  } as Api
}

afterEach(() => {
  delete window.api
  vi.unstubAllGlobals()
})

describe('the api module in Electron (window.api present)', () => {
  it('uses the preload bridge and passes results through', async () => {
    window.api = bridge()
    const { api, transport } = await loadApiModule()
    expect(transport).toBe('electron')
    await expect(api.systemInfo({})).resolves.toMatchObject({ dataDir: '/home/test/.mixture-studio' })
  })

  it('turns an ApiError that crossed IPC as a plain object into an ApiCallError', async () => {
    window.api = bridge({
      runsList: () => Promise.reject({ code: 'invalid_input', message: 'bad', issues: [{ path: 'limit', message: 'too big' }] }),
    })
    // The class of this module instance: resetModules gave it its own copy.
    const { api, ApiCallError } = await loadApiModule()
    const error = await api.runsList({}).catch((reason: unknown) => reason)
    expect(error).toBeInstanceOf(ApiCallError)
    expect(error).toMatchObject({ code: 'invalid_input', issues: [{ path: 'limit', message: 'too big' }] })
  })

  it('revives the ApiError the preload packed into an Error message', async () => {
    const packed = bridgeErrorMessage({ code: 'not_found', message: 'No job j7.', issues: [] })
    window.api = bridge({ jobsCancel: () => Promise.reject(new Error(packed)) })
    const { api } = await loadApiModule()
    await expect(api.jobsCancel({ jobId: 'j7' })).rejects.toMatchObject({ code: 'not_found', message: 'No job j7.' })
  })

  it('keeps the message of any other error, naming the call', async () => {
    window.api = bridge({ jobsList: () => Promise.reject(new Error('IPC channel closed')) })
    const { api } = await loadApiModule()
    await expect(api.jobsList({})).rejects.toMatchObject({ code: 'internal', message: 'jobsList failed: IPC channel closed' })
  })
})

describe('the api module in a browser (web mode)', () => {
  it('calls the server it was loaded from and takes the token out of the address bar', async () => {
    // happy-dom's own handle on the page address; lib.dom does not declare it.
    const { happyDOM } = window as unknown as { happyDOM: { setURL(url: string): void } }
    happyDOM.setURL('http://127.0.0.1:5000/?token=secret#/system')
    const fetch = vi.fn(async () => new Response(JSON.stringify([]), { status: 200 }))
    vi.stubGlobal('fetch', fetch)
    const { api, transport } = await loadApiModule()
    expect(transport).toBe('web')
    expect(location.href).toBe('http://127.0.0.1:5000/#/system')
    await expect(api.jobsList({})).resolves.toEqual([])
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:5000/api/jobsList', expect.objectContaining({ method: 'POST' }))
  })
})
