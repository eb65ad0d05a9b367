/**
 * The reason `nerd plugins update` gives for a plugin npm could not update, out of npm's error
 * lines (as npm 11 writes them at --loglevel=error).
 */
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {npmFailureReason} from '../../../src/plugins/update.ts'

const npmError = (...lines: string[]) => `${[...lines, 'A complete log of this run can be found in: /root/.npm/_logs/2026-01-01T00_00_00_000Z-debug-0.log'].map((line) => `npm error ${line}`.trimEnd()).join('\n')}\n`

describe('npmFailureReason', () => {
  it('takes git\'s own message for a git source, not npm\'s "unknown git error"', () => {
    const stderr = npmError(
      'code 128',
      'An unknown git error occurred',
      'command git --no-replace-objects ls-remote http://127.0.0.1:9/pg.git',
      "fatal: unable to access 'http://127.0.0.1:9/pg.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server",
    )
    assert.equal(npmFailureReason(stderr), "unable to access 'http://127.0.0.1:9/pg.git/': Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server")
  })

  it('takes the failed request for a registry, not the fields or the stack npm prints around it', () => {
    const stderr = npmError(
      'code ECONNREFUSED',
      'syscall connect',
      'errno ECONNREFUSED',
      'FetchError: request to http://127.0.0.1:9/nerd-plugin-zz failed, reason: connect ECONNREFUSED 127.0.0.1:9',
      '    at ClientRequest.<anonymous> (/npm/node_modules/minipass-fetch/lib/index.js:130:14)',
      "  code: 'ECONNREFUSED',",
      '}',
      '',
      "If you are behind a proxy, please make sure that the 'proxy' config is set properly.  See: 'npm help config'",
    )
    assert.equal(npmFailureReason(stderr), 'request to http://127.0.0.1:9/nerd-plugin-zz failed, reason: connect ECONNREFUSED 127.0.0.1:9')
  })

  it('takes npm\'s first line that says something, without the heading it is filed under', () => {
    const gone = npmError(
      'code ENOENT',
      'syscall open',
      'path /data/nerd/packs/pa-1.0.0-1cf5140f02ee.tgz',
      'errno -2',
      "enoent ENOENT: no such file or directory, open '/data/nerd/packs/pa-1.0.0-1cf5140f02ee.tgz'",
      'enoent This is related to npm not being able to find a file.',
      'enoent',
    )
    assert.equal(npmFailureReason(gone), "ENOENT: no such file or directory, open '/data/nerd/packs/pa-1.0.0-1cf5140f02ee.tgz'")
    const notFound = npmError('code E404', '404 Not Found - GET http://127.0.0.1:4873/nerd-plugin-gone - Not found', '404', "404  'nerd-plugin-gone@latest' is not in this registry.")
    assert.equal(npmFailureReason(notFound), '404 Not Found - GET http://127.0.0.1:4873/nerd-plugin-gone - Not found')
    const noVersion = npmError('code ETARGET', 'notarget No matching version found for nerd-plugin-x@^9.', 'notarget In most cases you or one of your dependencies are requesting')
    assert.equal(npmFailureReason(noVersion), 'No matching version found for nerd-plugin-x@^9.')
  })

  it('names a package\'s script that failed, with its exit code and the last line it wrote', () => {
    const stderr = npmError('code 3', 'path /data/nerd/node_modules/post', 'command failed', 'command sh -c echo oops >&2; exit 3', 'first', 'oops')
    assert.equal(npmFailureReason(stderr), 'script "sh -c echo oops >&2; exit 3" failed with exit code 3: oops')
    assert.equal(npmFailureReason(npmError('code 3', 'path /data/nerd/node_modules/post', 'command failed', 'command sh -c exit 3')), 'script "sh -c exit 3" failed with exit code 3')
  })

  it('has none when npm said nothing of the failure (its log level silent, a crash)', () => {
    assert.equal(npmFailureReason(''), undefined)
    assert.equal(npmFailureReason(npmError('code 1')), undefined)
    assert.equal(npmFailureReason('npm warn Unknown user config "nodedir".\n'), undefined)
  })
})
