// @ts-check
// Offers `nerd image convert --example-copy SRC DST`: the image again under the new name, unchanged.
// A real format (eStargz, nydus) writes new content here and returns its root descriptor.

/** @type {import('nerd/sdk').NerdHook<'nerd:image:convert'>} */
export default async function convert() {
  return {
    format: 'example-copy',
    description: 'Copy the image unchanged (nerd-plugin-example)',
    options: {},
    async convert(request) {
      return {descriptor: request.source.descriptor}
    },
  }
}
