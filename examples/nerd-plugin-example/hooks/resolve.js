// @ts-check
// `nerd pull example://NAME[:TAG]`: the image NAME of the registry EXAMPLE_REGISTRY (default
// 127.0.0.1:5000). Other references are not this plugin's business.

/** @type {import('nerd/sdk').NerdHook<'nerd:image:resolve'>} */
export default async function resolve(payload) {
  if (payload.scheme !== 'example') return undefined
  const registry = process.env.EXAMPLE_REGISTRY ?? '127.0.0.1:5000'
  return {kind: 'registry', reference: `${registry}/${payload.reference.slice('example://'.length)}`}
}
