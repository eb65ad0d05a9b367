/** The registry transport's own behaviour over node:http, against a raw loopback server. */
import assert from 'node:assert/strict'
import {globalAgent} from 'node:http'
import {spawn} from 'node:child_process'
import {connect, createServer, type Socket} from 'node:net'
import {after, describe, it} from 'node:test'
import {connectionError, send} from '../../../src/image/registry/transport.ts'

const sockets = new Set<Socket>()
/** Answers the first request of each connection, keeping it open; cuts the connection at the second. */
const server = createServer((socket) => {
  sockets.add(socket)
  let requests = 0
  socket.on('data', (data) => {
    const request = data.toString('latin1')
    if (!request.includes('\r\n\r\n')) return
    requests++
    if (requests > 1) socket.destroy()
    else socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n${request.startsWith('HEAD ') ? '' : 'ok'}`)
  })
})

after(() => {
  for (const socket of sockets) socket.destroy()
  server.close()
})

describe('registry transport', () => {
  it('sends a request again when the kept-alive connection it went on was closed meanwhile', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const {port} = server.address() as {port: number}
    const url = `http://127.0.0.1:${port}/v2/`
    const first = await send({method: 'GET', url, headers: {}})
    assert.equal(await first.text(), 'ok')
    const second = await send({method: 'GET', url, headers: {}})
    assert.equal(second.status, 200)
    assert.equal(await second.text(), 'ok')
    assert.equal(sockets.size, 2)
  })

  it('gives a HEAD answer its connection back at once (a busy one would keep nerd running)', async () => {
    const {port} = server.address() as {port: number}
    const head = await send({method: 'HEAD', url: `http://127.0.0.1:${port}/v2/`, headers: {}})
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('Content-Length'), '2')
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.equal(globalAgent.freeSockets[`127.0.0.1:${port}:`]?.length, 1)
    assert.equal(globalAgent.sockets[`127.0.0.1:${port}:`], undefined)
  })

  it('gives up a connection the other end does not take within its connect timeout', async (context) => {
    // A listener whose process never accepts: once its queue of one is full, the kernel drops the
    // next connection's packets, as an address behind a dropping firewall does.
    const listener = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({port: 0, host: '127.0.0.1', backlog: 1}, function () {
      process.stdout.write(this.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0))
    })`], {stdio: ['ignore', 'pipe', 'inherit']})
    context.after(() => listener.kill('SIGKILL'))
    const port = Number(await new Promise<string>((resolve) => listener.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()))))
    const queued = Array.from({length: 4}, () => connect(port, '127.0.0.1').on('error', () => undefined))
    context.after(() => queued.forEach((socket) => socket.destroy()))
    await new Promise((resolve) => setTimeout(resolve, 100))
    const started = Date.now()
    await assert.rejects(send({method: 'GET', url: `http://127.0.0.1:${port}/v2/`, headers: {}, connectTimeoutMs: 300}), (error: Error) => {
      assert.equal(error.message, `failed to reach registry 127.0.0.1:${port} (http://127.0.0.1:${port}/v2/): connection timed out after 0.3 s`)
      return true
    })
    assert.ok(Date.now() - started < 3000)
  })

  it('words a certificate failure without node\'s advice on its own flags', () => {
    const failure = Object.assign(new Error('unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    })
    assert.equal(
      connectionError('127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', failure).message,
      'registry 127.0.0.1:5000: tls: failed to verify certificate: x509: certificate signed by unknown authority (unable to verify the first certificate; add its CA as ca.crt under the hosts directory, or use --insecure-registry)',
    )
    const expired = Object.assign(new Error('certificate has expired'), {code: 'CERT_HAS_EXPIRED'})
    assert.equal(
      connectionError('127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', expired).message,
      'registry 127.0.0.1:5000: TLS certificate verification failed: certificate has expired (add its CA as ca.crt under the hosts directory, or use --insecure-registry)',
    )
  })

  it('words a TLS server\'s alert as Go does, with advice when it wants a client certificate', () => {
    const alert = (code: string): Error => Object.assign(new Error('error:0A000412:SSL routines:ssl3_read_bytes:…:SSL alert number 42'), {code})
    assert.equal(
      connectionError('127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', alert('ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE')).message,
      'registry 127.0.0.1:5000: remote error: tls: bad certificate (a registry that wants a client certificate takes it as client.cert and client.key under the hosts directory)',
    )
    assert.equal(
      connectionError('127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', alert('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')).message,
      'registry 127.0.0.1:5000: remote error: tls: certificate required (a registry that wants a client certificate takes it as client.cert and client.key under the hosts directory)',
    )
    assert.equal(connectionError('127.0.0.1:5000', 'https://127.0.0.1:5000/v2/', alert('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE')).message, 'registry 127.0.0.1:5000: remote error: tls: handshake failure')
  })
})
