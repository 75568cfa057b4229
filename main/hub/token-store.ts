// The Hugging Face token: kept where only this user can read it, and never written anywhere else.
// Web mode and the CLI keep it in `hub-token`, a 0600 file in the data folder; the desktop app
// passes a codec (Electron safeStorage, which the OS keychain protects) and the file then holds
// only its ciphertext (`hub-token.enc`, since the CLI cannot decrypt it). HF_TOKEN is used when
// none is stored. redactToken keeps it out of any message or log line.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFileAtomicSync } from '../runtime/file-writes'
import { join } from 'node:path'
import { envToken, type HubEnv } from './hub-config'

/** Encrypts and decrypts the token (Electron's safeStorage in the desktop app). */
export interface TokenCodec {
  encrypt(text: string): Buffer
  decrypt(data: Buffer): string
}

export interface TokenStatus {
  set: boolean
  source: 'stored' | 'env' | null
  storage: 'file' | 'encrypted'
  /** The file a stored token is kept in. */
  file: string
}

export interface TokenStore {
  /** The token in effect: the stored one, else HF_TOKEN; null when neither. */
  get(): string | null
  /** Stores a token (0600), or forgets the stored one with null. */
  set(token: string | null): void
  status(): TokenStatus
}

export function tokenFilePath(dataDir: string, encrypted = false): string {
  return join(dataDir, encrypted ? 'hub-token.enc' : 'hub-token')
}

export function createTokenStore(options: { dataDir: string; env?: HubEnv; codec?: TokenCodec }): TokenStore {
  const { dataDir, codec } = options
  const env = options.env ?? process.env
  const file = tokenFilePath(dataDir, codec !== undefined)

  const stored = (): string | null => {
    if (!existsSync(file)) return null
    const data = readFileSync(file)
    const text = codec ? codec.decrypt(data) : data.toString('utf8')
    return text.trim() || null
  }

  return {
    get: () => stored() ?? envToken(env),
    set(token) {
      if (token === null) {
        rmSync(file, { force: true })
        return
      }
      const clean = token.trim()
      if (!clean || /\s/.test(clean)) throw new Error('A Hugging Face token is one word with no spaces (hf_...); nothing was stored.')
      mkdirSync(dataDir, { recursive: true })
      // Written to a 0600 file then renamed over, so the token is never readable by others, not even
      // for a moment, and a crash leaves the old token or the new one.
      writeFileAtomicSync(file, codec ? codec.encrypt(clean) : clean, { mode: 0o600 })
    },
    status() {
      const source = stored() !== null ? 'stored' : envToken(env) !== null ? 'env' : null
      return { set: source !== null, source, storage: codec ? 'encrypted' : 'file', file }
    },
  }
}

/**
 * `text` with the token, and anything shaped like a Hugging Face token (hf_ and 20+ letters), replaced
 * by hf_***: for every error message and log line that might carry one (a URL, a header echoed
 * back by a proxy).
 */
export function redactToken(text: string, token: string | null | undefined): string {
  let out = text
  if (token) out = out.split(token).join('hf_***')
  return out.replace(/\bhf_[A-Za-z0-9]{20,}\b/g, 'hf_***')
}
