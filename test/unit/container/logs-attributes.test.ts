/** docker's json-file attributes: labels, environment variables and tag the log options name. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {checkLogTag, logAttributes} from '../../../src/container/logs/attributes.ts'
import type {ContainerRecord} from '../../../src/container/model.ts'

function record(config: Record<string, string>): ContainerRecord {
  return {
    Id: 'c0ffee'.padEnd(64, '0'),
    Name: 'web',
    Path: 'sh',
    Args: ['-c', 'true'],
    Image: `sha256:${'ab'.repeat(32)}`,
    Config: {Image: 'busybox', Env: ['TIER=front', 'REGION=eu', 'BARE'], Labels: {app: 'shop', 'com.x.team': 'blue', other: 'no'}},
    HostConfig: {LogConfig: {Type: 'json-file', Config: config}},
    LogPath: '/x/log',
  } as unknown as ContainerRecord
}

describe('log attributes', () => {
  it('takes the labels and variables named or matched, as docker\'s ExtraAttributes', () => {
    assert.deepEqual(logAttributes(record({labels: 'app,missing', 'labels-regex': '^com\\.', env: 'TIER,BARE', 'env-regex': 'ION$'})), {
      app: 'shop',
      'com.x.team': 'blue',
      TIER: 'front',
      REGION: 'eu',
    })
    assert.equal(logAttributes(record({'max-size': '1m'})), undefined)
  })

  it('adds the tag, a template over the container as docker\'s ParseLogTag', () => {
    assert.deepEqual(logAttributes(record({tag: '{{.ImageName}}/{{.Name}}/{{.ID}}/{{.ImageID}}'})), {tag: `busybox/web/${'c0ffee000000'}/${'ab'.repeat(6)}`})
    assert.deepEqual(logAttributes(record({tag: 'static'})), {tag: 'static'})
  })

  it('leaves out a tag docker\'s logger cannot work out, a template on a *logger.Info; checkLogTag refuses the start in docker\'s words', () => {
    const refusal = (reason: string) => ({message: `failed to initialize logging driver: template: log-tag:1${reason}`})
    assert.throws(() => checkLogTag(record({tag: '{{.Bogus}}'})), refusal(':2: executing "log-tag" at <.Bogus>: can\'t evaluate field Bogus in type *logger.Info'))
    assert.throws(() => checkLogTag(record({tag: '{{.ID'})), refusal(': unclosed action'))
    assert.throws(() => checkLogTag(record({tag: '{{nosuch}}'})), refusal(': function "nosuch" not defined'))
    for (const tag of ['{{.Bogus}}', '{{.ID', '{{nosuch}}']) assert.deepEqual(logAttributes(record({tag, labels: 'app'})), {app: 'shop'}, tag)
    checkLogTag(record({tag: '{{.Name}}'}))
    checkLogTag(record({}))
  })
})
