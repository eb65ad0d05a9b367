/** docker's json-file attributes: labels, environment variables and tag the log options name. */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {checkLogAttributes, logAttributes} from '../../../src/container/logs/attributes.ts'
import type {ContainerRecord} from '../../../src/container/model.ts'

function record(config: Record<string, string>): ContainerRecord {
  return {
    Id: 'c0ffee'.padEnd(64, '0'),
    Name: 'web',
    Path: 'sh',
    Args: ['-c', 'true'],
    Image: `sha256:${'ab'.repeat(32)}`,
    Created: '2026-11-26T00:47:45.123456789Z',
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

  it('matches labels-regex and env-regex as Go regular expressions (RE2)', () => {
    assert.deepEqual(logAttributes(record({'env-regex': '(?i)^tier', 'labels-regex': '\\Aapp\\z'})), {TIER: 'front', app: 'shop'})
  })

  it('adds the tag, a template over the container as docker\'s ParseLogTag', () => {
    assert.deepEqual(logAttributes(record({tag: '{{.ImageName}}/{{.Name}}/{{.ID}}/{{.ImageID}}'})), {tag: 'busybox/web/c0ffee000000/sha256:ababa'})
    assert.deepEqual(logAttributes(record({tag: '{{.ContainerCreated}} {{.ContainerCreated.Year}}'})), {tag: '2026-11-26 00:47:45.123456789 +0000 UTC 2026'})
    assert.deepEqual(logAttributes(record({tag: 'static'})), {tag: 'static'})
  })

  it('leaves out a regular expression or tag docker\'s logger cannot work out; checkLogAttributes throws docker\'s reason for refusing the start', () => {
    const refusal = (reason: string) => ({message: `template: log-tag:1${reason}`})
    assert.throws(() => checkLogAttributes(record({tag: '{{.Bogus}}'})), refusal(':2: executing "log-tag" at <.Bogus>: can\'t evaluate field Bogus in type *logger.Info'))
    assert.throws(() => checkLogAttributes(record({tag: '{{.ID'})), refusal(': unclosed action'))
    assert.throws(() => checkLogAttributes(record({tag: '{{nosuch}}'})), refusal(': function "nosuch" not defined'))
    for (const tag of ['{{.Bogus}}', '{{.ID', '{{nosuch}}']) assert.deepEqual(logAttributes(record({tag, labels: 'app'})), {app: 'shop'}, tag)
    assert.throws(() => checkLogAttributes(record({'env-regex': '^F(?=O)'})), {message: 'error parsing regexp: invalid or unsupported Perl syntax: `(?=`'})
    // labels-regex first, as docker's ExtraAttributes.
    assert.throws(() => checkLogAttributes(record({'env-regex': '(', 'labels-regex': '[', tag: '{{.Bogus}}'})), {message: 'error parsing regexp: missing closing ]: `[`'})
    assert.deepEqual(logAttributes(record({'env-regex': '(', labels: 'app'})), {app: 'shop'})
    checkLogAttributes(record({tag: '{{.Name}}'}))
    checkLogAttributes(record({}))
  })
})
