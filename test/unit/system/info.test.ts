import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {goJSON, Template} from '../../../src/format/index.ts'
import {loadConfig} from '../../../src/config/index.ts'
import {clientInfo, infoTemplateData, renderServerInfo, type SystemInfo} from '../../../src/system/info.ts'

/** The fields these tests read, as systemInfo gives them. */
const info = {
  ID: 'uuid',
  CpuCfsPeriod: true,
  CpuCfsQuota: false,
  HttpProxy: 'http://proxy:3128',
  HttpsProxy: '',
  Runtimes: {'io.containerd.runc.v2': {path: 'runc'}},
  ContainerdCommit: {ID: 'c0ffee'},
  RuncCommit: {ID: 'N/A'},
  InitCommit: {ID: ''},
  DefaultAddressPools: [{Base: '10.4.0.0/16', Size: 24}],
  FirewallBackend: {Driver: 'iptables'},
  CDISpecDirs: [],
  Containerd: {Address: '/run/containerd/containerd.sock', Namespaces: {Containers: 'default', Plugins: ''}},
  Warnings: null,
  ClientInfo: {Debug: false, Platform: {Name: 'nerd'}, Version: '1.2.3', DefaultAPIVersion: '1.48', GitCommit: 'abc', GoVersion: 'v24.0.0', Os: 'linux', Arch: 'amd64', BuildTime: '', Context: 'default', Plugins: [], Warnings: null},
} as unknown as SystemInfo

const run = (format: string): string => new Template(format).execute(infoTemplateData(info))

describe('info --format', () => {
  it("sees docker's Go field names where its JSON has others: .HTTPProxy and .CPUCfsPeriod, not .HttpProxy", () => {
    assert.equal(run('{{.HTTPProxy}}|{{.HTTPSProxy}}|{{.CPUCfsPeriod}}|{{.CPUCfsQuota}}'), 'http://proxy:3128||true|false')
    assert.throws(() => run('{{.HttpProxy}}'), {message: `template: :1:2: executing "" at <.HttpProxy>: can't evaluate field HttpProxy in type system.dockerInfo`})
    assert.throws(() => run('{{.CpuCfsPeriod}}'), /can't evaluate field CpuCfsPeriod in type system\.dockerInfo/)
    assert.match(goJSON(infoTemplateData(info)), /"CpuCfsPeriod":true,"CpuCfsQuota":false,"HttpProxy":"http:\/\/proxy:3128"/)
  })

  it("has docker's Runtimes, a map of RuntimeWithStatus by name", () => {
    assert.equal(run('{{range $name, $runtime := .Runtimes}}{{$name}}={{$runtime.Path}}{{end}}'), 'io.containerd.runc.v2=runc')
    assert.equal(run('{{json .Runtimes}}'), '{"io.containerd.runc.v2":{"path":"runc"}}')
  })

  it("has docker's other fields, the zero values of what nerd has none for", () => {
    assert.equal(run('{{.SystemStatus}}|{{.KernelMemory}}|{{.KernelMemoryTCP}}|{{.ProductLicense}}|{{.DiscoveredDevices}}|{{.CDISpecDirs}}|{{.Warnings}}'), '[]|false|false||[]|[]|[]')
    assert.equal(run('{{.ContainerdCommit.ID}} {{.RuncCommit.ID}} {{.RuncCommit.Expected}}|{{.InitCommit}}'), 'c0ffee N/A |{ }')
    assert.equal(run('{{.FirewallBackend.Driver}} {{.FirewallBackend.Info}} {{.Containerd.Address}} {{.Containerd.Namespaces.Containers}}'), 'iptables [] /run/containerd/containerd.sock default')
    assert.equal(run('{{range .DefaultAddressPools}}{{.Base}}/{{.Size}}{{end}} {{.DefaultAddressPools}}'), '10.4.0.0/16/24 [{10.4.0.0/16 24}]')
  })

  it("has dockerInfo's own fields: no server or client errors, and the client's clientInfo, whose unknown fields are errors", () => {
    assert.equal(run('{{.ServerErrors}}|{{.ClientErrors}}|{{.UserName}}'), '[]|[]|')
    assert.equal(
      run('{{.ClientInfo.Platform.Name}}|{{.ClientInfo.Version}}|{{.ClientInfo.APIVersion}}|{{.ClientInfo.DefaultAPIVersion}}|{{.ClientInfo.GitCommit}}|{{.ClientInfo.GoVersion}}|{{.ClientInfo.Os}}|{{.ClientInfo.Arch}}|{{.ClientInfo.BuildTime}}|{{.ClientInfo.Context}}|{{.ClientInfo.Plugins}}|{{.ClientInfo.Warnings}}'),
      'nerd|1.2.3||1.48|abc|v24.0.0|linux|amd64||default|[]|[]',
    )
    assert.throws(() => run('{{.ClientInfo.Nope}}'), {message: `template: :1:13: executing "" at <.ClientInfo.Nope>: can't evaluate field Nope in type *system.clientInfo`})
    assert.equal(run('{{json .ClientInfo}}'), JSON.stringify(info.ClientInfo))
    assert.doesNotMatch(goJSON(infoTemplateData(info)), /ServerErrors|ClientErrors|UserName/)
  })
})

describe('info', () => {
  it("prints the runc and init commits and the default address pools, as docker's", () => {
    const full = {
      ...info, Plugins: {Volume: [], Network: [], Log: [], Storage: []}, DriverStatus: [], Swarm: {LocalNodeState: 'inactive'}, SecurityOptions: [], Labels: [],
      RegistryConfig: {InsecureRegistryCIDRs: []}, MemTotal: 0, LiveRestoreEnabled: true,
    } as unknown as SystemInfo
    const text = renderServerInfo(full)
    assert.match(text, /\n containerd version: c0ffee\n runc version: N\/A\n init version: \n/)
    assert.match(text, /\n Live Restore Enabled: true\n Default Address Pools:\n   Base: 10\.4\.0\.0\/16, Size: 24\n/)
  })

  it("lists nerd's plugins by name, whatever order oclif loaded them in", async () => {
    const config = await loadConfig({globals: {}, env: {}, defaultConfigFile: '/nonexistent/nerd.toml'})
    assert.deepEqual(clientInfo(config, ['@oclif/plugin-plugins', 'nerd-plugin-x', '@oclif/plugin-help']).Plugins.Nerd, ['@oclif/plugin-help', '@oclif/plugin-plugins', 'nerd-plugin-x'])
  })

  it('says Debug Mode is on with --debug-full, which is --debug and more', async () => {
    const config = await loadConfig({globals: {debugFull: true}, env: {}, defaultConfigFile: '/nonexistent/nerd.toml'})
    assert.equal(clientInfo(config, []).Debug, true)
  })
})
