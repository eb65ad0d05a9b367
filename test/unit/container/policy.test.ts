import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import type {ContainerRecord, ContainerState} from '../../../src/container/model.ts'
import {INITIAL_STATE} from '../../../src/container/store.ts'
import {policyRestarts} from '../../../src/container/lifecycle.ts'
import {restartDelayMs} from '../../../src/container/task-exit.ts'
import {parsePsOutput, psArguments} from '../../../src/container/top.ts'

function recordWith(Name: string, MaximumRetryCount = 0): ContainerRecord {
  return {HostConfig: {RestartPolicy: {Name, MaximumRetryCount}}} as unknown as ContainerRecord
}
const state = (change: Partial<ContainerState> = {}): ContainerState => ({...INITIAL_STATE, ...change})

describe('restart policies', () => {
  it('follow docker: always and unless-stopped restart, on-failure only after a failure and within its count', () => {
    assert.equal(policyRestarts(recordWith('always'), state(), 0), true)
    assert.equal(policyRestarts(recordWith('unless-stopped'), state(), 0), true)
    assert.equal(policyRestarts(recordWith('no'), state(), 1), false)
    assert.equal(policyRestarts(recordWith(''), state(), 1), false)
    assert.equal(policyRestarts(recordWith('on-failure'), state(), 0), false)
    assert.equal(policyRestarts(recordWith('on-failure'), state({RestartCount: 50}), 1), true)
    assert.equal(policyRestarts(recordWith('on-failure', 2), state({RestartCount: 1}), 1), true)
    assert.equal(policyRestarts(recordWith('on-failure', 2), state({RestartCount: 2}), 1), false)
  })

  it('never undo an explicit stop', () => {
    assert.equal(policyRestarts(recordWith('always'), state({ExplicitlyStopped: true}), 137), false)
  })

  it('back off by doubling up to a minute, and start over after a run of 10 s', () => {
    const delays: number[] = []
    let previous: number | undefined
    for (let restart = 0; restart < 12; restart++) delays.push((previous = restartDelayMs(previous, 500)))
    assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000])
    assert.equal(restartDelayMs(60_000, 10_000), 100)
    assert.equal(restartDelayMs(400, 9_999), 800)
  })
})

describe('top', () => {
  it('keeps the container rows of ps output and the command with its spaces', () => {
    const output = ['UID PID PPID C STIME TTY TIME CMD', 'root 1 0 0 10:00 ? 00:00:01 /sbin/init', 'root 4242 4200 0 10:01 ? 00:00:00 sleep 600', ''].join('\n')
    assert.deepEqual(parsePsOutput(output, new Set([4242])), {
      titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'],
      processes: [['root', '4242', '4200', '0', '10:01', '?', '00:00:00', 'sleep 600']],
    })
    assert.throws(() => parsePsOutput('USER COMMAND\nroot x\n', new Set()), /Couldn't find PID field in ps output/)
  })

  it("keeps ps's thread rows (PID -) after a container's process, and refuses a PID that is no number in docker's words", () => {
    const output = ['PID TID COMMAND', '1 - init', '- 1 -', '4242 - sleep', '- 4242 -', '- 4243 -', '4300 - other', '- 4300 -', ''].join('\n')
    assert.deepEqual(parsePsOutput(output, new Set([4242])).processes, [['4242', '-', 'sleep'], ['-', '4242', '-'], ['-', '4243', '-']])
    assert.throws(() => parsePsOutput('PID CMD\nabc x\n', new Set()), {message: `Unexpected pid 'abc': strconv.Atoi: parsing "abc": invalid syntax`})
  })

  it('gives ps what follows the container joined and split at spaces, as docker\'s client and daemon, and refuses another column headed PID', () => {
    assert.deepEqual(psArguments([]), ['-ef'])
    assert.deepEqual(psArguments(['']), ['-ef'])
    assert.deepEqual(psArguments(['-o pid,comm']), ['-o', 'pid,comm'])
    assert.deepEqual(psArguments(['-o', 'pid,comm']), ['-o', 'pid,comm'])
    assert.deepEqual(psArguments(['-o', 'pid=PID,comm']), ['-o', 'pid=PID,comm'])
    assert.throws(() => psArguments(['-o', 'user=PID,pid']), {message: 'specifying "user=PID,pid" is not allowed'})
    assert.throws(() => psArguments(['-o pid,user= PIDX']), {message: 'specifying "pid,user=PIDX" is not allowed'})
  })
})
