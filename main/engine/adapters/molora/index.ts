import { registerAdapterMethod } from '../registry'
import type { AdapterMethod } from '../types'
import type { MoloraConfig } from './config'
import { moloraRewrite } from './rewrite'

export { moloraConfigSchema, type MoloraConfig } from './config'

export const moloraMethod: AdapterMethod<MoloraConfig> = {
  name: 'molora',
  title: 'MoLoRA: a routed mixture of LoRA experts per projection',
  rewrite: moloraRewrite,
}

registerAdapterMethod(moloraMethod)
