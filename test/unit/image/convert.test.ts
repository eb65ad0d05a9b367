import assert from 'node:assert/strict'
import {describe, test} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import type {ConversionFormat, ConvertRequest, Descriptor} from '../../../src/hooks/types.ts'
import {pluginConversion} from '../../../src/image/convert.ts'

const descriptor: Descriptor = {mediaType: 'application/vnd.oci.image.index.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 512}

function request(signal = new AbortController().signal): ConvertRequest {
  return {source: {name: 'docker.io/library/busybox:latest', descriptor}, target: 'docker.io/library/busybox:converted', platforms: [], options: {}, namespace: 'default', signal}
}

function format(convert: (request: ConvertRequest) => unknown): ConversionFormat {
  return {format: 'copy', description: 'a copy', convert: convert as ConversionFormat['convert']}
}

describe('pluginConversion', () => {
  test('returns the descriptor the plugin made', async () => {
    assert.deepEqual(await pluginConversion('nerd-plugin-x', format(async () => ({descriptor})), request()), descriptor)
  })

  test('a failure names the plugin and the format, in one line', async () => {
    await assert.rejects(pluginConversion('nerd-plugin-x', format(async () => {
      throw new Error('copy failed\nat line two')
    }), request()), (error: unknown) => {
      assert.ok(error instanceof NerdError)
      assert.equal(error.message, 'plugin "nerd-plugin-x" failed to convert to format "copy": copy failed')
      return true
    })
    // Thrown before any promise: the same.
    await assert.rejects(pluginConversion('nerd-plugin-x', format(() => {
      throw Object.create(null)
    }), request()), {message: 'plugin "nerd-plugin-x" failed to convert to format "copy": threw an object that cannot be turned into text'})
  })

  test('a result that is no descriptor of the new image is refused, naming the plugin and the format', async () => {
    const invalid = 'plugin "nerd-plugin-x" failed to convert to format "copy": returned an invalid result: expected {descriptor} of the new image, with its mediaType, digest (sha256:…) and size'
    for (const result of [undefined, 'done', {}, {descriptor: {...descriptor, digest: 'sha256:nope'}}, {descriptor: {...descriptor, size: -1}}, {descriptor: {digest: descriptor.digest, size: 1}}]) {
      await assert.rejects(pluginConversion('nerd-plugin-x', format(async () => result), request()), {message: invalid}, JSON.stringify(result))
    }
  })

  test('an interrupted conversion fails with the interruption, not as the plugin\'s fault', async () => {
    const controller = new AbortController()
    const interrupted = new NerdError('image convert interrupted')
    const converting = pluginConversion('nerd-plugin-x', format((req) => new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(new Error('aborted'))))), request(controller.signal))
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort(interrupted)
    await assert.rejects(converting, (error: unknown) => error === interrupted)
  })
})
