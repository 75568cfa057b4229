import { registerAdapterMethod } from '../registry'
import type { AdapterMethod } from '../types'
import type { LoraConfig } from './config'
import { loraRewrite } from './rewrite'

export { loraConfigSchema, type LoraConfig } from './config'

export const loraMethod: AdapterMethod<LoraConfig> = {
  name: 'lora',
  title: 'LoRA: a low-rank update B·A added to each adapted projection',
  rewrite: loraRewrite,
}

registerAdapterMethod(loraMethod)
