// A local NuGet v3 feed for tests (a real node:http server on 127.0.0.1), serving onnxruntime's CUDA
// package as nuget.org does: index.json -> PackageBaseAddress (flat container: versions, .nupkg)
// and RegistrationsBaseUrl (registration leaf -> catalog entry with the package's SHA-512). The
// package holds three small stand-in provider libraries. Knobs corrupt the hash and pace the body.
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CUDA_PROVIDER_LIBRARIES } from '../../main/runtime/cuda-runtime-folder'
import { tinyZip } from './tiny-zip'

export interface NugetFeedOptions {
  /** The package version served (default: this onnxruntime-node's). */
  version: string
  /** The catalog gives another hash than the package's. */
  wrongHash?: boolean
  /** No registration resource: the package is served without a hash. */
  noRegistrations?: boolean
  /** Sends the package in chunks of 4 KB, one every `paceMs`. */
  paceMs?: number
  /** Adds a stored entry of this many random bytes, so that a paced download lasts (the libraries compress to little). */
  paddingBytes?: number
}

export interface NugetFeed {
  /** index.json's URL, for MIXTURE_STUDIO_NUGET_FEED. */
  indexUrl: string
  /** The stand-in bytes of each provider library, by file name. */
  libraries: Record<string, Buffer>
  /** The package's SHA-512, base64. */
  sha512: string
  /** Paths requested, in order. */
  requests: string[]
  close(): Promise<void>
}

const PACKAGE = 'microsoft.ml.onnxruntime.gpu.linux'

export async function startNugetFeed(options: NugetFeedOptions): Promise<NugetFeed> {
  const libraries = Object.fromEntries(CUDA_PROVIDER_LIBRARIES.map((name, i) => [name, Buffer.from(`stand-in for ${name} `.repeat(2000 + i * 500))]))
  const nupkg = tinyZip([
    { name: `${PACKAGE}.nuspec`, data: Buffer.from('<package/>') },
    ...CUDA_PROVIDER_LIBRARIES.map((name) => ({ name: `runtimes/linux-x64/native/${name}`, data: libraries[name] })),
    { name: 'runtimes/win-x64/native/onnxruntime.dll', data: Buffer.from('not wanted') },
    ...(options.paddingBytes ? [{ name: 'content/padding.bin', data: randomBytes(options.paddingBytes), method: 0 as const }] : []),
  ])
  const sha512 = createHash('sha512').update(nupkg).digest('base64')
  const requests: string[] = []
  let origin = ''
  const version = options.version.toLowerCase()
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://feed').pathname
    requests.push(path)
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    if (path === '/v3/index.json') {
      return json({
        version: '3.0.0',
        resources: [
          { '@id': `${origin}/v3-flatcontainer/`, '@type': 'PackageBaseAddress/3.0.0' },
          ...(options.noRegistrations ? [] : [{ '@id': `${origin}/v3/registration5-semver1/`, '@type': 'RegistrationsBaseUrl/3.6.0' }]),
        ],
      })
    }
    if (path === `/v3-flatcontainer/${PACKAGE}/index.json`) return json({ versions: ['1.16.0', version] })
    if (path === `/v3/registration5-semver1/${PACKAGE}/${version}.json`) return json({ catalogEntry: `${origin}/v3/catalog0/${PACKAGE}.${version}.json` })
    if (path === `/v3/catalog0/${PACKAGE}.${version}.json`) {
      return json({ packageHash: options.wrongHash ? createHash('sha512').update('other bytes').digest('base64') : sha512, packageHashAlgorithm: 'SHA512' })
    }
    if (path === `/v3-flatcontainer/${PACKAGE}/${version}/${PACKAGE}.${version}.nupkg`) {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': nupkg.length })
      if (!options.paceMs) return response.end(nupkg)
      let at = 0
      const chunk = 4096
      const timer = setInterval(() => {
        if (response.destroyed || at >= nupkg.length) {
          clearInterval(timer)
          if (!response.destroyed) response.end()
          return
        }
        response.write(nupkg.subarray(at, at + chunk))
        at += chunk
      }, options.paceMs)
      response.on('close', () => clearInterval(timer))
      return
    }
    response.writeHead(404, { 'content-type': 'text/plain' })
    response.end('not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    indexUrl: `${origin}/v3/index.json`,
    libraries,
    sha512,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
