import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {DetachKeyScanner, FORWARDED_SIGNALS, parseDetachKeys, runtimeStartFailure, startFailureExitCode, startFailureMessage} from '../../../src/container/attach.ts'
import {AttachFrameReader} from '../../../src/container/attach-socket.ts'

describe('detach keys', () => {
  it('parses docker syntax', () => {
    assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [16, 17])
    assert.deepEqual(parseDetachKeys('ctrl-@,ctrl-[,ctrl-_,a'), [0, 27, 31, 97])
    assert.throws(() => parseDetachKeys('ctrl-pp'), /Invalid detach keys \(ctrl-pp\) provided/)
  })

  it('reads keys as moby/term\'s ToBytes: DEL is 127; its ctrl- table is lower case only; a key of several bytes is refused', () => {
    assert.deepEqual(parseDetachKeys('DEL'), [127])
    assert.deepEqual(parseDetachKeys('ctrl-p,DEL,ctrl-\\,ctrl-]'), [16, 127, 28, 29])
    for (const keys of ['ctrl-A', 'ctrl-p,ctrl-Q', 'é', 'del', 'ctrl-p,', 'ctrl-é']) {
      assert.throws(() => parseDetachKeys(keys), {message: `Invalid detach keys (${keys}) provided`}, keys)
    }
  })

  it('forwards input until the whole sequence is typed', () => {
    const scanner = new DetachKeyScanner([16, 17])
    assert.deepEqual(scanner.scan(Buffer.from('ab')), {forward: Uint8Array.from([97, 98]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([99, 16])), {forward: Uint8Array.from([99]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([17, 100])), {forward: Uint8Array.from([]), detach: true})
  })

  it('releases a broken partial sequence, the breaking byte with it, across chunks too', () => {
    const scanner = new DetachKeyScanner([16, 17])
    assert.deepEqual(scanner.scan(Uint8Array.from([16, 120])), {forward: Uint8Array.from([16, 120]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([16])), {forward: Uint8Array.from([]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([120])), {forward: Uint8Array.from([16, 120]), detach: false})
  })

  it('starts matching again after the byte that broke a sequence, as docker\'s: ctrl-p ctrl-p ctrl-q is all input', () => {
    const scanner = new DetachKeyScanner([16, 17])
    assert.deepEqual(scanner.scan(Uint8Array.from([16, 16, 17])), {forward: Uint8Array.from([16, 16, 17]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([16])), {forward: Uint8Array.from([]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([16])), {forward: Uint8Array.from([16, 16]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([17])), {forward: Uint8Array.from([17]), detach: false})
    assert.deepEqual(scanner.scan(Uint8Array.from([16, 17])), {forward: Uint8Array.from([]), detach: true})
  })
})

describe('forwarded signals', () => {
  it('are docker\'s ForwardAllSignals: every catchable one but SIGCHLD, SIGPIPE and SIGURG, each once', () => {
    for (const name of ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT', 'SIGTSTP', 'SIGALRM', 'SIGABRT', 'SIGIO']) {
      assert.ok(FORWARDED_SIGNALS.includes(name as NodeJS.Signals), name)
    }
    for (const name of ['SIGCHLD', 'SIGPIPE', 'SIGURG', 'SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGIOT', 'SIGPOLL']) {
      assert.ok(!FORWARDED_SIGNALS.includes(name as NodeJS.Signals), name)
    }
  })
})

describe('attach socket frames', () => {
  const frame = (code: number, payload: string): Buffer => Buffer.concat([Buffer.from([code, 0, 0, 0]), Buffer.from([0, 0, 0, Buffer.byteLength(payload, 'latin1')]), Buffer.from(payload, 'latin1')])

  it('are taken apart across chunks, byte for byte, with the server\'s reason for letting go and its end', () => {
    const got: string[] = []
    const reader = new AttachFrameReader({
      stdout: (chunk) => got.push(`out:${chunk.toString('latin1')}`),
      stderr: (chunk) => got.push(`err:${chunk.toString('latin1')}`),
      systemError: (message) => got.push(`system:${message}`),
      end: () => got.push('end'),
    })
    const stream = Buffer.concat([frame(1, 'a\xffb\x00'), frame(2, 'oops\n'), frame(1, ''), frame(3, 'too slow'), frame(4, '')])
    for (const size of [1, 3, 7]) {
      got.length = 0
      for (let at = 0; at < stream.length; at += size) reader.push(stream.subarray(at, at + size))
      assert.deepEqual(got, ['out:a\xffb\x00', 'err:oops\n', 'out:', 'system:too slow', 'end'], `in chunks of ${size}`)
    }
  })
})

describe('start failures', () => {
  const notFound =
    'OCI runtime create failed: runc create failed: unable to start container process: exec: "nosuchcmd": executable file not found in $PATH: unknown'
  it('maps to docker exit codes', () => {
    assert.equal(startFailureExitCode(notFound), 127)
    assert.equal(startFailureExitCode('unable to start container process: exec: "/etc/passwd": permission denied: unknown'), 126)
    assert.equal(startFailureExitCode('cgroup: cannot set memory limit'), 125)
    // docker's CLI knows only these: a working directory that is a file is 125, not 126.
    assert.equal(startFailureExitCode('error during container init: mkdir /etc/passwd: not a directory: unknown'), 125)
  })

  it("records docker's daemon's State.ExitCode and text for a runtime's refusal (setExitCodeFromError), whatever docker's CLI exits with", () => {
    assert.deepEqual(runtimeStartFailure(notFound), {message: notFound, exitCode: 127})
    assert.deepEqual(runtimeStartFailure('exec: "/etc/passwd": permission denied: unknown').exitCode, 126)
    assert.deepEqual(runtimeStartFailure('exec: "/bin": is a directory: unknown'), {message: 'exec: "/bin": is a directory: unknown: permission denied', exitCode: 126})
    const onFile = 'error mounting "/tmp/f" to rootfs at "/etc": mount /tmp/f:/etc (via /proc/self/fd/6), flags: 0x5000: not a directory: unknown'
    assert.deepEqual(runtimeStartFailure(onFile), {
      message: `${onFile}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`,
      exitCode: 127,
    })
    assert.equal(startFailureExitCode(runtimeStartFailure(onFile).message), 125)
    assert.deepEqual(runtimeStartFailure('cgroup: cannot set memory limit'), {message: 'cgroup: cannot set memory limit', exitCode: 128})
  })

  it('keeps the runtime reason without the gRPC status', () => {
    assert.equal(startFailureMessage(`2 UNKNOWN: ${notFound}`), notFound)
  })

  it('keeps only the reason of a failing nerd OCI hook', () => {
    const hook = 'failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error running hook #0: error running hook: exit status 1, stdout: , stderr: nerd oci-hook: Bind for 127.0.0.1:80 failed: port is already allocated: unknown'
    assert.equal(startFailureMessage(`2 UNKNOWN: ${hook}`), 'Bind for 127.0.0.1:80 failed: port is already allocated')
    assert.equal(startFailureExitCode(hook.replace('Bind for', 'no such file or directory: Bind for')), 125)
  })
})
