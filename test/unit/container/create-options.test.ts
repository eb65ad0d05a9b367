import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {createRequestFromFlags, dockerConfigFor, parseRestartPolicy} from '../../../src/container/create-options.ts'
import type {CreateFlagValues} from '../../../src/container/create-options.ts'

function missing(path: string): never {
  throw Object.assign(new Error(`ENOENT: ${path}`), {code: 'ENOENT'})
}
const files: Record<string, string> = {'/labels': 'a=1\n# comment\nb\n', '/env': 'FROM_FILE=1\n'}
const context = {environment: {HOME: '/root'}, readFile: (path: string) => files[path] ?? missing(path), command: ['sh', '-c', 'x'], image: 'busybox', cwd: '/work'}
const request = (values: CreateFlagValues) => createRequestFromFlags(values, context)

describe('create options', () => {
  it('parses restart policies as docker does', () => {
    assert.deepEqual(parseRestartPolicy('no'), {Name: 'no', MaximumRetryCount: 0})
    assert.deepEqual(parseRestartPolicy('on-failure:5'), {Name: 'on-failure', MaximumRetryCount: 5})
    assert.deepEqual(parseRestartPolicy('unless-stopped'), {Name: 'unless-stopped', MaximumRetryCount: 0})
    assert.throws(() => parseRestartPolicy('always:3'), /maximum retry count cannot be used with restart policy 'always'/)
    assert.throws(() => parseRestartPolicy('sometimes'), /invalid restart policy format: unknown policy 'sometimes'/)
    assert.throws(() => parseRestartPolicy('on-failure:x'), /maximum retry count must be an integer/)
  })

  it('refuses conflicting and unknown options with docker messages', () => {
    assert.throws(() => request({rm: true, restart: 'always'}), {message: 'Conflicting options: --restart and --rm'})
    assert.throws(() => request({detach: true, attach: ['stdout']}), /Conflicting options: -a and -d/)
    assert.throws(() => request({'log-driver': 'syslog'}), /unknown log driver "syslog"/)
    assert.throws(() => request({'log-opt': ['max-size=1m', 'colour=red']}), /unknown log opt 'colour' for json-file log driver/)
    assert.throws(() => request({pull: 'sometimes'}), /invalid pull policy "sometimes"/)
    assert.throws(() => request({memory: 'lots'}), /invalid argument "lots" for "--memory" flag/)
    assert.throws(() => request({'label-file': ['/missing']}), /open \/missing: no such file or directory/)
  })

  it('maps flags to the spec options and nerd settings', () => {
    const made = request({
      name: 'web', tty: true, interactive: true, env: ['A=1'], 'env-file': ['/env'], memory: '64m', 'pids-limit': 42, cpus: '1.5',
      label: ['c=3'], 'label-file': ['/labels'], restart: 'on-failure:2', 'log-opt': ['max-size=10k', 'max-file=3'], network: ['host'],
      tmpfs: ['/scratch'], volume: ['/data:/data:ro'], 'read-only': true, user: 'app', workdir: '/tmp',
    })
    assert.equal(made.name, 'web')
    assert.equal(made.tty, true)
    assert.deepEqual(made.labels, {a: '1', b: '', c: '3'})
    assert.deepEqual(made.restart, {Name: 'on-failure', MaximumRetryCount: 2})
    assert.deepEqual(made.logConfig, {Type: 'json-file', Config: {'max-size': '10k', 'max-file': '3'}})
    assert.equal(made.options.memory, 64 * 1024 * 1024)
    assert.equal(made.options.pidsLimit, 42)
    assert.equal(made.options.nanoCpus, 1.5e9)
    assert.deepEqual(made.options.env, ['A=1'])
    assert.deepEqual(made.options.envFile, ['FROM_FILE=1'])
    assert.deepEqual(made.options.network, {kind: 'host'})
    assert.deepEqual(made.options.command, ['sh', '-c', 'x'])
    assert.equal(made.options.readOnly, true)
    assert.deepEqual(made.options.mounts?.map((mount) => [mount.type, mount.target]), [['bind', '/data'], ['tmpfs', '/scratch']])
    assert.deepEqual(made.network.networks, ['host'])
  })

  it('gives docker inspect Config and HostConfig, image defaults merged', () => {
    const made = request({env: ['PATH=/custom', 'B=2'], label: ['user=1'], 'stop-signal': 'SIGINT', rm: true, memory: '32m'})
    const {Config, HostConfig} = dockerConfigFor(made, {Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: ['/entry'], Labels: {image: 'x'}, WorkingDir: '/w', User: 'app'})
    assert.deepEqual(Config.Env, ['PATH=/custom', 'A=1', 'B=2'])
    assert.deepEqual(Config.Cmd, ['sh', '-c', 'x'])
    assert.deepEqual(Config.Entrypoint, ['/entry'])
    assert.deepEqual(Config.Labels, {image: 'x', user: '1'})
    assert.equal(Config.WorkingDir, '/w')
    assert.equal(Config.User, 'app')
    assert.equal(Config.StopSignal, 'SIGINT')
    assert.equal(Config.Image, 'busybox')
    assert.equal(HostConfig.AutoRemove, true)
    assert.equal(HostConfig.Memory, 32 * 1024 * 1024)
    assert.equal(HostConfig.NetworkMode, 'bridge')
    const entry = dockerConfigFor(createRequestFromFlags({entrypoint: '/bin/echo'}, {...context, command: []}), {Cmd: ['sh'], Entrypoint: ['/entry']})
    assert.deepEqual([entry.Config.Entrypoint, entry.Config.Cmd], [['/bin/echo'], null])
  })
})
