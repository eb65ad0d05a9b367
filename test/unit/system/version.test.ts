import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {Template} from '../../../src/format/index.ts'
import {ansicDate, clientVersion, VERSION_TEMPLATE_FUNCTIONS, versionTemplateData} from '../../../src/system/version.ts'

describe('ansicDate', () => {
  it("writes an RFC 3339 build time in Go's time.ANSIC layout, as docker's version prints BuildTime", () => {
    assert.equal(ansicDate('2024-02-01T00:24:09.123Z'), 'Thu Feb  1 00:24:09 2024')
    assert.equal(ansicDate('2025-11-24T17:02:03Z'), 'Mon Nov 24 17:02:03 2025')
  })

  it('leaves an empty or unreadable time as it is', () => {
    assert.equal(ansicDate(''), '')
    assert.equal(ansicDate('yesterday'), 'yesterday')
  })
})

describe('version --format', () => {
  const server = {
    Platform: {Name: 'containerd'},
    Components: [{Name: 'runc', Version: '1.1', Details: {Zeta: 'z', GitCommit: 'abc', Alpha: 'a'}}],
    Version: '2.0', ApiVersion: '1.48', MinAPIVersion: '1.48', GitCommit: 'abc', Revision: 'abc', GoVersion: '', Os: 'linux', Arch: 'amd64',
    KernelVersion: '6', Experimental: false, BuildTime: '', APIVersion: () => '1.48',
  }
  const run = (format: string) => new Template(format, {name: 'version', functions: VERSION_TEMPLATE_FUNCTIONS}).execute(versionTemplateData({Client: clientVersion(), Server: server}))

  it("has docker's getDetailsOrder: a component's Details keys, sorted", () => {
    assert.equal(run('{{range .Server.Components}}{{.Name}}:{{range getDetailsOrder .}} {{.}}{{end}}{{end}}'), 'runc: Alpha GitCommit Zeta')
    assert.equal(run('{{.Server.Components}}'), '[{runc 1.1 map[Alpha:a GitCommit:abc Zeta:z]}]')
    assert.throws(() => run('{{getDetailsOrder .Server}}'), {message: 'template: version:1:18: executing "version" at <.Server>: wrong type for value; expected types.ComponentVersion; got *types.Version'})
  })
})
