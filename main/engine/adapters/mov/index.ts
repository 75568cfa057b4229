import { registerAdapterMethod } from '../registry'
import type { AdapterMethod } from '../types'
import type { MovConfig } from './config'
import { movRewrite } from './rewrite'

export { movConfigSchema, type MovConfig } from './config'

export const movMethod: AdapterMethod<MovConfig> = {
  name: 'mov',
  title: 'MoV: a routed mixture of (IA)³ vectors per site',
  rewrite: movRewrite,
}

registerAdapterMethod(movMethod)
