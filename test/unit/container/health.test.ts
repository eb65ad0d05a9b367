import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {afterProbe, healthTiming, mergeHealthcheck, nextProbeDelay, unmonitoredHealth} from '../../../src/container/health.ts'
import type {HealthProbe, HealthState} from '../../../src/container/model.ts'

const probe = (ExitCode: number): HealthProbe => ({Start: '', End: '', ExitCode, Output: ''})
const STARTING_HEALTH: HealthState = {Status: 'starting', FailingStreak: 0, Log: []}

describe('health checks', () => {
  it('merges the image\'s check under the container\'s, field by field', () => {
    const image = {Test: ['CMD', 'check'], Interval: 5e9, Retries: 7}
    assert.deepEqual(mergeHealthcheck(undefined, image), image)
    assert.deepEqual(mergeHealthcheck({Interval: 1e9}, image), {Test: ['CMD', 'check'], Interval: 1e9, Retries: 7})
    assert.deepEqual(mergeHealthcheck({Test: ['NONE']}, image), {Test: ['NONE'], Interval: 5e9, Retries: 7})
    assert.deepEqual(mergeHealthcheck({Test: ['CMD-SHELL', 'x']}, null), {Test: ['CMD-SHELL', 'x']})
  })

  it('runs CMD as given and CMD-SHELL under /bin/sh -c, with docker\'s defaults; none for NONE or no test', () => {
    assert.deepEqual(healthTiming({Test: ['CMD-SHELL', 'curl -f localhost']}), {
      command: ['/bin/sh', '-c', 'curl -f localhost'],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      startPeriodMs: 0,
      startIntervalMs: 5_000,
      retries: 3,
    })
    assert.deepEqual(healthTiming({Test: ['CMD', 'check', '-v'], Interval: 2e8, Retries: 1})?.command, ['check', '-v'])
    assert.equal(healthTiming({Test: ['CMD', 'check'], Interval: 2e8})?.intervalMs, 200)
    assert.equal(healthTiming({Test: ['NONE']}), undefined)
    assert.equal(healthTiming({Interval: 1e9}), undefined)
    assert.equal(healthTiming(undefined), undefined)
  })

  it("runs CMD-SHELL under the container's shell, the words after it as its arguments, as docker's append(shell, Test[1:]...)", () => {
    assert.deepEqual(healthTiming({Test: ['CMD-SHELL', 'echo "$0"', 'ZERO']})?.command, ['/bin/sh', '-c', 'echo "$0"', 'ZERO'])
    assert.deepEqual(healthTiming({Test: ['CMD-SHELL', '[[ -f /ok ]]']}, ['/bin/bash', '-c'])?.command, ['/bin/bash', '-c', '[[ -f /ok ]]'])
    assert.deepEqual(healthTiming({Test: ['CMD-SHELL', 'x']}, [])?.command, ['/bin/sh', '-c', 'x'])
    assert.deepEqual(healthTiming({Test: ['CMD', 'check']}, ['/bin/bash', '-c'])?.command, ['check'])
  })

  it('shows a container whose monitor does not run unhealthy, keeping its probes', () => {
    const healthy: HealthState = {Status: 'healthy', FailingStreak: 0, Log: [probe(0)]}
    assert.deepEqual(unmonitoredHealth(healthy), {Status: 'unhealthy', FailingStreak: 0, Log: [probe(0)]})
  })

  it('moves the state as docker: healthy on success, failures counted outside the start period, unhealthy at the retries', () => {
    const timing = healthTiming({Test: ['CMD', 'x'], StartPeriod: 10e9, Retries: 2})!
    const inStart = afterProbe(STARTING_HEALTH, probe(1), 1_000, timing)
    assert.deepEqual([inStart.Status, inStart.FailingStreak, inStart.Log.length], ['starting', 0, 1])
    const healthy = afterProbe(inStart, probe(0), 2_000, timing)
    assert.deepEqual([healthy.Status, healthy.FailingStreak], ['healthy', 0])
    const once = afterProbe(healthy, probe(1), 3_000, timing)
    assert.deepEqual([once.Status, once.FailingStreak], ['healthy', 1])
    const twice = afterProbe(once, probe(-1), 4_000, timing)
    assert.deepEqual([twice.Status, twice.FailingStreak], ['unhealthy', 2])
    let state = STARTING_HEALTH
    for (let index = 0; index < 8; index++) state = afterProbe(state, probe(index), 20_000, timing)
    assert.deepEqual(state.Log.map((entry) => entry.ExitCode), [3, 4, 5, 6, 7])
  })

  it('probes at the start interval while starting within the start period, else at the interval', () => {
    const timing = healthTiming({Test: ['CMD', 'x'], Interval: 30e9, StartPeriod: 60e9, StartInterval: 1e9})!
    assert.equal(nextProbeDelay(STARTING_HEALTH, 0, timing), 1_000)
    assert.equal(nextProbeDelay(STARTING_HEALTH, 60_000, timing), 30_000)
    assert.equal(nextProbeDelay({...STARTING_HEALTH, Status: 'healthy'}, 0, timing), 30_000)
  })
})
