import type { Graph } from '../ir'
import { RewriteAttachment } from './common/attachment'
import { parseAdapterConfig, type AdapterConfig } from './config'
import { adapterMethod } from './registry'
import type { Adapter, AttachOptions } from './types'

export interface ConfiguredAdapter extends Adapter {
  readonly config: AdapterConfig
}

/**
 * An adapter from the `adapter` section of a run configuration (validated and defaulted here;
 * AdapterConfigError lists every bad field). Attach it to each graph a run builds.
 */
export function createAdapter(input: unknown, where = 'adapter'): ConfiguredAdapter {
  const config = parseAdapterConfig(input, where)
  const method = adapterMethod(config.method)
  const rewrite = method.rewrite(config)
  return {
    method: config.method,
    config,
    attach: (graph: Graph, options?: AttachOptions) => new RewriteAttachment(graph, rewrite, `${config.method} adapter`, options),
  }
}
