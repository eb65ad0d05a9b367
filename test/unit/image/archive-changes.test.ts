import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {applyChanges, expandWord, splitWords} from '../../../src/image/archive/changes.ts'
import {importedConfig} from '../../../src/image/archive/import.ts'
import {NerdError} from '../../../src/errors.ts'

describe('applyChanges', () => {
  it('takes CMD and ENTRYPOINT in JSON form as is and wraps the shell form in /bin/sh -c', () => {
    assert.deepEqual(applyChanges({}, ['CMD ["/bin/busybox","echo","imported"]']), {Cmd: ['/bin/busybox', 'echo', 'imported']})
    assert.deepEqual(applyChanges({}, ['CMD echo "hello $HOME"']), {Cmd: ['/bin/sh', '-c', 'echo "hello $HOME"']})
    assert.deepEqual(applyChanges({}, ['entrypoint ["/bin/sh", "-c"]']), {Entrypoint: ['/bin/sh', '-c']})
    // Not a JSON list of strings: the shell form, as a Dockerfile reads it.
    assert.deepEqual(applyChanges({}, ['CMD [not json']), {Cmd: ['/bin/sh', '-c', '[not json']})
    assert.deepEqual(applyChanges({}, ['CMD ["a", 1]']), {Cmd: ['/bin/sh', '-c', '["a", 1]']})
  })

  it('lets ENTRYPOINT clear the CMD the image had, but not one set by an earlier change', () => {
    assert.deepEqual(applyChanges({Cmd: ['sh']}, ['ENTRYPOINT ["top"]']), {Entrypoint: ['top']})
    assert.deepEqual(applyChanges({Cmd: ['sh']}, ['CMD ["-b"]', 'ENTRYPOINT ["top"]']), {Cmd: ['-b'], Entrypoint: ['top']})
    assert.deepEqual(applyChanges({Entrypoint: ['top']}, ['CMD ["-b"]']), {Entrypoint: ['top'], Cmd: ['-b']})
  })

  it('sets ENV in key=value and legacy form, replacing a variable in place, expanding values set before the instruction', () => {
    const config = applyChanges({Env: ['PATH=/bin', 'A=old']}, [
      'ENV A=1 B="two words" C=${A}x',
      'ENV D the rest of the line',
      'ENV PATH=/opt/bin:$PATH',
      "ENV E='$A literal' F=\\$A",
      'ENV G=$A',
    ])
    const env = new Map(config.Env?.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]))
    assert.deepEqual(Object.fromEntries(env), {A: '1', B: 'two words', C: 'oldx', D: 'the rest of the line', PATH: '/opt/bin:/bin', E: '$A literal', F: '$A', G: '1'})
    assert.deepEqual(config.Env?.map((entry) => entry.slice(0, entry.indexOf('='))), ['PATH', 'A', 'B', 'C', 'D', 'E', 'F', 'G'], 'a replaced variable keeps its place')
  })

  it('sets LABEL pairs, EXPOSE ports and ranges, VOLUME in both forms', () => {
    const config = applyChanges({Labels: {keep: 'yes'}}, [
      'LABEL a=b "with space"="x y" version=1.0',
      'LABEL legacy value here',
      'EXPOSE 80 53/udp 8000-8002/tcp',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /cache /tmp/x',
    ])
    assert.deepEqual(config.Labels, {keep: 'yes', a: 'b', 'with space': 'x y', version: '1.0', legacy: 'value here'})
    assert.deepEqual(Object.keys(config.ExposedPorts ?? {}), ['80/tcp', '53/udp', '8000/tcp', '8001/tcp', '8002/tcp'])
    assert.deepEqual(Object.keys(config.Volumes ?? {}), ['/data', '/logs', '/cache', '/tmp/x'])
  })

  it('resolves WORKDIR against the previous one and takes USER and STOPSIGNAL whole', () => {
    const config = applyChanges({Env: ['APP=/srv/app']}, ['WORKDIR $APP', 'WORKDIR sub/../logs', 'USER app:staff', 'STOPSIGNAL SIGQUIT'])
    assert.equal(config.WorkingDir, '/srv/app/logs')
    assert.equal(config.User, 'app:staff')
    assert.equal(config.StopSignal, 'SIGQUIT')
    assert.equal(applyChanges({}, ['WORKDIR relative']).WorkingDir, '/relative')
    assert.equal(applyChanges({}, ['STOPSIGNAL 9']).StopSignal, '9')
    // Any number, as --stop-signal takes it (docker's ParseSignal for both).
    assert.equal(applyChanges({}, ['STOPSIGNAL 99']).StopSignal, '99')
    assert.equal(applyChanges({}, ['STOPSIGNAL term']).StopSignal, 'term')
  })

  it('sets HEALTHCHECK with its options in nanoseconds (CMD-SHELL for the shell form, NONE) and appends ONBUILD triggers as written', () => {
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=5s --timeout=1m30s --start-period=2s --start-interval=500ms --retries=4 CMD curl -f http://localhost/ || exit 1']).Healthcheck, {
      Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'],
      Interval: 5e9,
      Timeout: 90e9,
      StartPeriod: 2e9,
      StartInterval: 5e8,
      Retries: 4,
    })
    assert.deepEqual(applyChanges({}, ['healthcheck cmd ["/bin/true", "x"]']).Healthcheck, {Test: ['CMD', '/bin/true', 'x']})
    assert.deepEqual(applyChanges({Healthcheck: {Test: ['CMD', 'x'], Retries: 2}}, ['HEALTHCHECK NONE']).Healthcheck, {Test: ['NONE']})
    assert.deepEqual(applyChanges({}, ['HEALTHCHECK --interval=0s --retries=0 CMD true']).Healthcheck, {Test: ['CMD-SHELL', 'true']})
    assert.deepEqual(applyChanges({OnBuild: ['ADD . /app']}, ['ONBUILD RUN make', 'onbuild run  echo "$HOME"']).OnBuild, ['ADD . /app', 'RUN make', 'run  echo "$HOME"'])
  })

  it('reads the changes as one Dockerfile, joined by newlines: blank and comment lines skipped, a trailing backslash going on on the next line', () => {
    assert.deepEqual(applyChanges({}, ['CMD ["sh"]', '']), {Cmd: ['sh']})
    assert.deepEqual(applyChanges({}, ['# comment', 'CMD x']), {Cmd: ['/bin/sh', '-c', 'x']})
    assert.deepEqual(applyChanges({}, ['ENV A=1\nENV B=2']), {Env: ['A=1', 'B=2']})
    assert.deepEqual(applyChanges({}, ['ENV A=1 \\', 'B=2']), {Env: ['A=1', 'B=2']})
    assert.deepEqual(applyChanges({}, ['LABEL a=1 \\', '# between', '', '  b=2']), {Labels: {a: '1', b: '2'}})
    // Every instruction is a change, checked before any is applied.
    assert.throws(() => applyChanges({}, ['ENV A=1', 'RUN x']), {message: 'RUN is not a valid change command'})
  })

  it('takes CMD without arguments as the shell alone, which an ENTRYPOINT after it does not keep, and ENTRYPOINT without arguments as none', () => {
    assert.deepEqual(applyChanges({}, ['CMD']), {Cmd: ['/bin/sh', '-c']})
    assert.deepEqual(applyChanges({Cmd: ['sh']}, ['CMD', 'ENTRYPOINT ["top"]']), {Entrypoint: ['top']})
    assert.deepEqual(applyChanges({Entrypoint: ['top'], Cmd: ['-b']}, ['ENTRYPOINT']), {})
  })

  it('leaves the base config untouched', () => {
    const base = {Env: ['A=1'], Labels: {a: 'b'}}
    applyChanges(base, ['ENV A=2', 'LABEL a=c'])
    assert.deepEqual(base, {Env: ['A=1'], Labels: {a: 'b'}})
  })

  it('expands WORKDIR, USER, STOPSIGNAL, EXPOSE and VOLUME with the config\'s variables, each a value on its own', () => {
    const config = applyChanges({Env: ['V=abc', 'P=80', 'S=SIGINT']}, ['WORKDIR $V', 'USER $V', 'STOPSIGNAL $S', 'EXPOSE $P', 'VOLUME $V'])
    assert.deepEqual([config.WorkingDir, config.User, config.StopSignal, config.ExposedPorts, config.Volumes], ['/abc', 'abc', 'SIGINT', {'80/tcp': {}}, {abc: {}}])
    // A variable that is not set leaves USER empty and exposes nothing, as docker's; one of two ports exposes both.
    assert.equal(applyChanges({}, ['USER $UNSET']).User, '')
    assert.deepEqual(applyChanges({}, ['EXPOSE $UNSET']).ExposedPorts, {})
    assert.deepEqual(applyChanges({Env: ['PORTS=80 443/udp']}, ['EXPOSE $PORTS']).ExposedPorts, {'80/tcp': {}, '443/udp': {}})
  })

  it('refuses instructions that are not changes and malformed arguments, in one line', () => {
    const cases: Array<[string, RegExp]> = [
      ['RUN echo hi', /^RUN is not a valid change command$/],
      ['FROM busybox', /^FROM is not a valid change command$/],
      ['', /^file with no instructions$/],
      ['# only a comment', /^file with no instructions$/],
      ['ENV', /^ENV requires at least one argument$/],
      ['EXPOSE', /EXPOSE requires at least one argument/],
      ['EXPOSE 80/xyz', /invalid proto: xyz/],
      ['EXPOSE 9000-8000', /invalid containerPort: 9000-8000/],
      ['EXPOSE http', /invalid containerPort: http/],
      ['STOPSIGNAL SIGNOPE', /invalid signal: SIGNOPE/],
      ['ENV', /ENV requires at least one argument/],
      ['ENV A=1 B', /can't find = in "B"/],
      ['ENV =x', /ENV names can not be blank/],
      ['LABEL onlykey', /LABEL must have two arguments/],
      ['ENV A="unterminated', /unterminated quote/],
      ['WORKDIR', /WORKDIR requires exactly one argument/],
      // buildkit's words: no path at all, then an empty one (as written or as expanded).
      ['VOLUME', /^VOLUME requires at least one argument$/],
      ['VOLUME []', /^VOLUME requires at least one argument$/],
      ['VOLUME [" "]', /^VOLUME specified can not be an empty string$/],
      ['VOLUME $UNSET', /^VOLUME specified can not be an empty string$/],
      // A value written that expands to nothing: docker's dispatcher's words.
      ['WORKDIR $UNSET', /^cannot normalize nothing$/],
      ['HEALTHCHECK', /HEALTHCHECK requires at least one argument/],
      ['HEALTHCHECK CMD', /missing command after HEALTHCHECK CMD/],
      ['HEALTHCHECK true', /Unknown type "TRUE" in HEALTHCHECK \(try CMD\)/],
      ['HEALTHCHECK NONE x', /HEALTHCHECK NONE takes no arguments/],
      ['HEALTHCHECK --every=5s CMD true', /Unknown flag: every/],
      ['HEALTHCHECK --interval CMD true', /Missing a value on flag: interval/],
      ['HEALTHCHECK --interval=5 CMD true', /time: invalid duration "5"/],
      ['HEALTHCHECK --timeout=1us CMD true', /Interval "timeout" cannot be less than 1ms/],
      ['HEALTHCHECK --retries=-1 CMD true', /--retries cannot be negative \(-1\)/],
      ['HEALTHCHECK --retries=x CMD true', /strconv.ParseInt: parsing "x": invalid syntax/],
      ['ONBUILD', /ONBUILD requires at least one argument/],
      ['ONBUILD ONBUILD RUN x', /Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed/],
      ['ONBUILD FROM busybox', /FROM isn't allowed as an ONBUILD trigger/],
    ]
    for (const [change, message] of cases) {
      assert.throws(() => applyChanges({}, [change]), (error: unknown) => {
        assert.ok(error instanceof NerdError, change)
        assert.match(error.message, message, change)
        assert.ok(!error.message.includes('\n'), change)
        return true
      })
    }
  })
})

describe('Dockerfile words', () => {
  it('splits on unquoted whitespace, keeping quotes for expansion', () => {
    assert.deepEqual(splitWords(`a=1  b="x y" c='p q' d=e\\ f`), ['a=1', 'b="x y"', "c='p q'", 'd=e\\ f'])
    assert.deepEqual(splitWords('   '), [])
  })

  it('expands variables with defaults and alternatives, not inside single quotes', () => {
    const env = new Map([['A', 'one'], ['EMPTY', '']])
    assert.equal(expandWord('$A-${A}', env), 'one-one')
    assert.equal(expandWord('${MISSING:-fallback} ${A:-x} ${EMPTY:-e}', env), 'fallback one e')
    assert.equal(expandWord('${A:+set}${MISSING:+never}', env), 'set')
    assert.equal(expandWord(`'$A' "$A" \\$A "\\$A" "a\\b"`, env), `$A one $A $A a\\b`)
    assert.equal(expandWord('cost $5 and $', env), 'cost $5 and $')
    assert.throws(() => expandWord('${A', env), /missing '}'/)
    assert.throws(() => expandWord('${A/x/y}', env), /bad substitution/)
  })
})

describe('importedConfig', () => {
  it('describes one layer for the platform, with the changes and a history entry', () => {
    const created = new Date('2024-05-06T07:08:09.000Z')
    const diffId = `sha256:${'d'.repeat(64)}`
    assert.deepEqual(
      importedConfig({platform: 'linux/arm64/v8', changes: ['CMD ["sh"]'], diffId, comment: 'Imported from -', created}),
      {
        created: '2024-05-06T07:08:09.000Z',
        architecture: 'arm64',
        os: 'linux',
        config: {Cmd: ['sh']},
        rootfs: {type: 'layers', diff_ids: [diffId]},
        history: [{created: '2024-05-06T07:08:09.000Z', comment: 'Imported from -'}],
      },
    )
    assert.equal(importedConfig({platform: 'linux/arm/v7', changes: [], diffId, comment: '', created}).variant, 'v7')
  })
})
