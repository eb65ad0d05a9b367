/**
 * The test harness itself: the private containerd runs containers from the offline-built images,
 * and the registry takes a push and serves a pull.
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {ctr, fileNamespace, loadTestImage, skopeo, testEnvironment, testImage} from '../helpers/e2e.ts'
import {testImageArchive} from '../helpers/test-images.ts'

/**
 * `ctr run --rm` of a command that prints: once, on a loaded machine, ctr exited 0 having printed
 * nothing (its output copy lost to the task's deletion): that run is tried again, once, under a new
 * container name. The image is what these tests check, not ctr.
 */
async function ctrRun(image: string, name: string, command: string[]): Promise<Awaited<ReturnType<typeof ctr>>> {
  const result = await ctr(['run', '--rm', image, name, ...command])
  if (result.code !== 0 || result.stdout !== '') return result
  return ctr(['run', '--rm', image, `${name}-again`, ...command])
}

describe('test containerd', () => {
  it('is the one the harness started (or NERD_TEST_ADDRESS), and answers', async () => {
    const result = await ctr(['version'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /Server:\n\s+Version:/)
    assert.notEqual(testEnvironment.address, '')
  })

  it('runs a container from the imported busybox image', async () => {
    await loadTestImage('nerd-test/busybox:latest')
    const images = await ctr(['images', 'ls', '-q'])
    assert.ok(images.stdout.split('\n').includes('docker.io/nerd-test/busybox:latest'), images.stdout)
    const result = await ctrRun('docker.io/nerd-test/busybox:latest', 't1', ['echo', 'hello'])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'hello\n')
  })

  it('unpacks the multi-layer image with its whiteouts applied', async () => {
    await loadTestImage('nerd-test/multilayer:latest')
    const script = 'cat /data/keep.txt /etc/layer2 /etc/layer3; ls /data/hidden; test ! -e /data/removed.txt && echo removed; id -u app; stat -c %a /tmp'
    const result = await ctrRun('docker.io/nerd-test/multilayer:latest', 't2', ['sh', '-c', script])
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'keep\nlayer 2\nlayer 3\nnew.txt\nremoved\n1000\n1777\n')
    const snapshots = await ctr(['snapshots', 'ls'])
    for (const chainId of testImage('nerd-test/multilayer:latest').manifests[0].chainIds) {
      assert.ok(snapshots.stdout.includes(chainId), `snapshot ${chainId} missing:\n${snapshots.stdout}`)
    }
  })

  it('imports the multi-platform index with both platforms', async () => {
    await loadTestImage('nerd-test/multiarch:latest')
    const result = await ctr(['images', 'ls'])
    const line = result.stdout.split('\n').find((row) => row.startsWith('docker.io/nerd-test/multiarch:latest '))
    assert.ok(line, result.stdout)
    assert.match(line, /linux\/amd64,linux\/arm64\/v8/)
    assert.ok(line.includes(testImage('nerd-test/multiarch:latest').target.digest))
  })
})

describe('test registry', () => {
  it('takes a push from skopeo and serves it to ctr pull', async () => {
    const built = testImage('nerd-test/busybox:latest')
    const reference = `${testEnvironment.registry}/${fileNamespace()}/busybox:v1`
    const pushed = await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${testImageArchive('nerd-test/busybox:latest')}`, `docker://${reference}`])
    assert.equal(pushed.code, 0, pushed.stderr)
    const inspected = await skopeo(['inspect', '--tls-verify=false', `docker://${reference}`])
    assert.equal(inspected.code, 0, inspected.stderr)
    assert.equal(JSON.parse(inspected.stdout).Digest, built.target.digest)

    const pulled = await ctr(['images', 'pull', '--plain-http', reference])
    assert.equal(pulled.code, 0, pulled.stderr)
    const run = await ctr(['run', '--rm', reference, 't3', 'cat', '/www/index.html'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /nerd test page/)
  })
})
