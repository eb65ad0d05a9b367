/** Content.Write's data messages, which nerd encodes itself into one reused buffer. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {CONVERSION, findType} from '../../../src/containerd/codecs.ts'
import {writeMessages} from '../../../src/containerd/content.ts'

const request = findType('containerd.services.content.v1.WriteContentRequest')!
const CHUNK = 1 << 20

async function messagesOf(source: Parameters<typeof writeMessages>[0], offset: number): Promise<Array<{bytes: Buffer; dataLength: number}>> {
  const messages = []
  // Copied: the next message overwrites the buffer, as the lockstep writer allows.
  for await (const message of writeMessages(source, offset)) messages.push({bytes: Buffer.from(message.bytes), dataLength: message.dataLength})
  return messages
}

describe('Content.Write data messages', () => {
  it('are what the generated codec encodes for {action: WRITE, offset, data}', async () => {
    const data = Buffer.alloc(CHUNK * 2 + 5, 7)
    for (const offset of [0, 1, 300, 2 ** 33 + 17]) {
      const pieces = () => [data.subarray(0, 1000), data.subarray(1000, CHUNK + 3), data.subarray(CHUNK + 3)]
      const messages = await messagesOf(() => pieces(), offset)
      assert.deepEqual(messages.map((message) => message.dataLength), [CHUNK, CHUNK, 5])
      let position = offset
      for (const message of messages) {
        const expected = request.encode(request.fromObject({action: 'WRITE', offset: position, data: data.subarray(position - offset, position - offset + message.dataLength)})).finish()
        assert.deepEqual(message.bytes, Buffer.from(expected), `offset ${position}`)
        const decoded = request.toObject(request.decode(message.bytes), CONVERSION) as {action: string; offset: string}
        assert.deepEqual([decoded.action, decoded.offset], ['WRITE', String(position)])
        position += message.dataLength
      }
    }
  })

  it('start at the offset of a buffer source and send nothing when it is all there', async () => {
    const data = Buffer.from('hello world')
    const [message] = await messagesOf(data, 6)
    assert.equal(message!.dataLength, 5)
    assert.deepEqual(Buffer.from((request.decode(message!.bytes) as {data: Uint8Array}).data), Buffer.from('world'))
    assert.deepEqual(await messagesOf(data, data.length), [])
  })
})
