import { registerAdapterMethod } from '../registry'
import type { AdapterMethod } from '../types'
import type { Ia3Config } from './config'
import { ia3Rewrite } from './rewrite'

export { ia3ConfigSchema, type Ia3Config } from './config'

export const ia3Method: AdapterMethod<Ia3Config> = {
  name: 'ia3',
  title: '(IA)³: one learned scaling vector per site (keys, values, FFN)',
  rewrite: ia3Rewrite,
}

registerAdapterMethod(ia3Method)
