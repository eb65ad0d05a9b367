import assert from 'node:assert/strict'
import {arch} from 'node:os'
import {describe, it} from 'node:test'
import {NerdError} from '../../../src/errors.ts'
import {
  compatiblePlatforms,
  formatPlatform,
  hostPlatform,
  normalizePlatform,
  onlyPlatform,
  parsePlatform,
  platformEquals,
  preferringPlatforms,
  rankByPlatform,
  strictPlatform,
} from '../../../src/image/platform.ts'
import type {Platform} from '../../../src/image/platform.ts'

const formatted = (platforms: Platform[]): string[] => platforms.map(formatPlatform)

describe('hostPlatform', () => {
  it('names the machine the OCI way', () => {
    const expected = {x64: 'linux/amd64', arm64: 'linux/arm64'}[arch() as 'x64' | 'arm64']
    assert.ok(expected, `test written for x64 and arm64 hosts, not ${arch()}`)
    assert.equal(formatPlatform(hostPlatform()), expected)
  })

  it('hands out copies', () => {
    const platform = hostPlatform()
    platform.architecture = 'changed'
    assert.notEqual(hostPlatform().architecture, 'changed')
  })
})

describe('parsePlatform', () => {
  const host = hostPlatform()
  const cases: Array<[input: string, expected: string]> = [
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['arm64', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['armhf', 'linux/arm/v7'],
    ['armel', 'linux/arm/v6'],
    ['i386', 'linux/386'],
    ['LINUX/AMD64', 'linux/amd64'],
    ['windows/amd64', 'windows/amd64'],
    ['linux/s390x', 'linux/s390x'],
  ]
  for (const [input, expected] of cases) {
    it(`${input} is ${expected}`, () => assert.equal(formatPlatform(parsePlatform(input)), expected))
  }

  it('a bare operating system takes the host architecture', () => {
    assert.deepEqual(parsePlatform('linux'), host)
  })

  it('linux/arm64/v8 and arm64 are the same platform', () => {
    assert.deepEqual(parsePlatform('linux/arm64/v8'), parsePlatform('arm64'))
  })

  it('reads an os version and features in parentheses, as containerd does', () => {
    assert.deepEqual(parsePlatform('windows(10.0.17763+win32k)/amd64'), {os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763', 'os.features': ['win32k']})
  })

  const component = JSON.stringify('^[A-Za-z0-9_.-]+$')
  const osComponent = JSON.stringify('^([A-Za-z0-9_-]+)(?:\\(([A-Za-z0-9_.%-]*)((?:\\+[A-Za-z0-9_.%-]+)*)\\))?$')
  const refused: Array<[input: string, message: string]> = [
    ['bogus', '"bogus": unknown operating system or architecture: invalid argument'],
    ['linux/*', '"linux/*": wildcards not yet supported: invalid argument'],
    ['linux/amd64/v2/extra', '"linux/amd64/v2/extra": cannot parse platform specifier: invalid argument'],
    ['linux//amd64', `"" is an invalid component of "linux//amd64": platform specifier component must match ${component}: invalid argument`],
    ['linux/am d64', `"am d64" is an invalid component of "linux/am d64": platform specifier component must match ${component}: invalid argument`],
    ['', `"" is an invalid OS component of "": OSAndVersion specifier component must match ${osComponent}: invalid argument`],
    ['  ', `"  " is an invalid OS component of "  ": OSAndVersion specifier component must match ${osComponent}: invalid argument`],
  ]
  for (const [input, message] of refused) {
    it(`refuses ${JSON.stringify(input)} with containerd's message`, () => {
      assert.throws(() => parsePlatform(input), (error: unknown) => error instanceof NerdError && error.message === message)
    })
  }
})

describe('compatiblePlatforms', () => {
  it('amd64 runs its older levels and 386, its own first', () => {
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'amd64', variant: 'v3'})), [
      'linux/amd64/v3',
      'linux/amd64/v2',
      'linux/amd64',
      'linux/386',
    ])
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'amd64'})), ['linux/amd64', 'linux/386'])
  })

  it('arm64 runs 32-bit arm down to v5', () => {
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'arm64'})), [
      'linux/arm64',
      'linux/arm/v8',
      'linux/arm/v7',
      'linux/arm/v6',
      'linux/arm/v5',
    ])
  })

  it('arm64 v8.2 runs v8.1 and v8; v9.1 runs v9 and v8.0 to v8.6', () => {
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'arm64', variant: 'v8.2'})).slice(0, 3), [
      'linux/arm64/v8.2',
      'linux/arm64/v8.1',
      'linux/arm64',
    ])
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'arm64', variant: 'v9.1'})).slice(0, 9), [
      'linux/arm64/v9.1',
      'linux/arm64/v9',
      'linux/arm64/v8.6',
      'linux/arm64/v8.5',
      'linux/arm64/v8.4',
      'linux/arm64/v8.3',
      'linux/arm64/v8.2',
      'linux/arm64/v8.1',
      'linux/arm64',
    ])
  })

  it('arm/v7 runs v6 and v5; other architectures only themselves', () => {
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 'arm', variant: 'v7'})), ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5'])
    assert.deepEqual(formatted(compatiblePlatforms({os: 'linux', architecture: 's390x'})), ['linux/s390x'])
  })
})

describe('matching index entries', () => {
  const entries: Array<{name: string; platform?: Platform}> = [
    {name: 'attestation', platform: {os: 'unknown', architecture: 'unknown'}},
    {name: '386', platform: {os: 'linux', architecture: '386'}},
    {name: 'arm-v7', platform: {os: 'linux', architecture: 'arm', variant: 'v7'}},
    {name: 'arm64', platform: {os: 'linux', architecture: 'arm64', variant: 'v8'}},
    {name: 'amd64', platform: {os: 'linux', architecture: 'amd64'}},
    {name: 'windows', platform: {os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1'}},
  ]
  const pick = (platform: string): string[] => rankByPlatform(entries, (entry) => entry.platform, onlyPlatform(parsePlatform(platform))).map((entry) => entry.name)

  it('prefers the exact platform over compatible ones', () => {
    assert.deepEqual(pick('linux/amd64'), ['amd64', '386'])
    assert.deepEqual(pick('linux/arm64'), ['arm64', 'arm-v7'])
    assert.deepEqual(pick('linux/arm64/v8'), ['arm64', 'arm-v7'])
    assert.deepEqual(pick('linux/arm/v6'), [])
  })

  it('never matches unknown/unknown entries, even when asked for them', () => {
    assert.equal(onlyPlatform({os: 'unknown', architecture: 'unknown'}).match({os: 'unknown', architecture: 'unknown'}), false)
    assert.equal(platformEquals({os: 'linux', architecture: 'amd64'}, {os: 'unknown', architecture: 'unknown'}), false)
  })

  it('strict matching takes no older variant', () => {
    const strict = strictPlatform({os: 'linux', architecture: 'amd64'})
    assert.equal(strict.match({os: 'linux', architecture: '386'}), false)
    assert.equal(strict.match({os: 'linux', architecture: 'x86_64'}), true)
  })

  it('keeps entries without a platform, last', () => {
    const withUnlabelled = [{name: 'unlabelled'}, ...entries]
    const ranked = rankByPlatform(withUnlabelled, (entry) => entry.platform, onlyPlatform(parsePlatform('linux/amd64')))
    assert.deepEqual(ranked.map((entry) => entry.name), ['amd64', '386', 'unlabelled'])
  })

  it('compares os features as a subset', () => {
    const wanted: Platform = {os: 'windows', architecture: 'amd64', 'os.features': ['win32k']}
    assert.equal(platformEquals(wanted, {os: 'windows', architecture: 'amd64', 'os.features': ['win32k']}), true)
    assert.equal(platformEquals(wanted, {os: 'windows', architecture: 'amd64'}), true)
    assert.equal(platformEquals({os: 'windows', architecture: 'amd64'}, {os: 'windows', architecture: 'amd64', 'os.features': ['win32k']}), false)
  })
})

describe('preferringPlatforms (a local image without --platform)', () => {
  it('ranks the preferred platforms first, then every other real platform in index order, never unknown/unknown', () => {
    const entries = [
      {name: 'arm', platform: {os: 'linux', architecture: 'arm', variant: 'v7'}},
      {name: 'attestation', platform: {os: 'unknown', architecture: 'unknown'}},
      {name: 's390x', platform: {os: 'linux', architecture: 's390x'}},
      {name: 'amd64', platform: {os: 'linux', architecture: 'amd64'}},
      {name: '386', platform: {os: 'linux', architecture: '386'}},
      {name: 'unsaid', platform: undefined},
    ]
    const ranked = rankByPlatform(entries, (entry) => entry.platform, preferringPlatforms(onlyPlatform({os: 'linux', architecture: 'amd64'})))
    assert.deepEqual(ranked.map((entry) => entry.name), ['amd64', '386', 'arm', 's390x', 'unsaid'])
  })
})

describe('normalizePlatform and formatPlatform', () => {
  it('sorts and de-duplicates os features and drops implied variants', () => {
    assert.deepEqual(normalizePlatform({os: 'Linux', architecture: 'AArch64', variant: 'V8', 'os.features': ['b', 'a', 'b']}), {
      os: 'linux',
      architecture: 'arm64',
      'os.features': ['a', 'b'],
    })
  })

  it('prints unknown for a platform without os', () => {
    assert.equal(formatPlatform({os: '', architecture: 'amd64'}), 'unknown')
  })
})
