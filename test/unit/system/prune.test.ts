import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {reclaimedSpaceLine, systemPruneWarning} from '../../../src/system/prune.ts'

describe('system prune confirmation', () => {
  it("is docker's: what goes, the build cache all of it with -a", () => {
    assert.equal(systemPruneWarning({all: false, volumes: false, filters: []}), 'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n')
    assert.equal(systemPruneWarning({all: true, volumes: true, filters: []}), 'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache\n')
  })

  it('names the label and until filters, each once, in natural order', () => {
    assert.equal(
      systemPruneWarning({all: false, volumes: false, filters: ['until=10h', 'label=x=y', 'label!=a', 'label=x=y', 'LABEL= k2 ', 'label=k10']}),
      'WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n' +
        '\n  Items to be pruned will be filtered with:\n  - label!=a\n  - label=k2\n  - label=k10\n  - label=x=y\n  - until=10h\n',
    )
  })
})

describe('prune total', () => {
  it("is go-units' HumanSize, with 4 significant digits, as every docker prune prints it", () => {
    assert.equal(reclaimedSpaceLine(0), 'Total reclaimed space: 0B')
    assert.equal(reclaimedSpaceLine(5009), 'Total reclaimed space: 5.009kB')
    assert.equal(reclaimedSpaceLine(1234567), 'Total reclaimed space: 1.235MB')
    assert.equal(reclaimedSpaceLine(2_000_000), 'Total reclaimed space: 2MB')
  })
})
