/**
 * What the prunes say, as docker's CLI: what `system prune` asks before it removes anything
 * (cli/command/system/prune.go confirmationMessage), and every prune's total.
 */
import {filterTerms} from '../filter-terms.ts'
import {naturalCompare} from '../format/go-values.ts'
import {humanSize} from '../format/human.ts'

/** The filter keys docker's prompt names: the ones every prune takes. */
const SHOWN_FILTERS = ['label', 'label!', 'until']

/**
 * The warning before the question: what will go (docker's CLI always names the build cache, which
 * nerd has none of, `all` of it with `-a`), then the label/until filters it is kept to, each once,
 * in natural order.
 */
export function systemPruneWarning(options: {all: boolean; volumes: boolean; filters: readonly string[]}): string {
  const warnings = [
    'all stopped containers',
    'all networks not used by at least one container',
    ...(options.volumes ? ['all anonymous volumes not used by at least one container'] : []),
    options.all ? 'all images without at least one container associated to them' : 'all dangling images',
    options.all ? 'all build cache' : 'unused build cache',
  ]
  const filters = [...new Set(filterTerms(options.filters).filter(({key}) => SHOWN_FILTERS.includes(key)).map(({key, value}) => `${key}=${value}`))].sort(naturalCompare)
  const kept = filters.length > 0 ? `\n  Items to be pruned will be filtered with:\n${filters.map((filter) => `  - ${filter}\n`).join('')}` : ''
  return `WARNING! This will remove:\n${warnings.map((warning) => `  - ${warning}\n`).join('')}${kept}`
}

/** The last line of every prune: go-units' HumanSize, 4 significant digits (`1.235MB`), not the 3 of sizes in lists. */
export function reclaimedSpaceLine(bytes: number): string {
  return `Total reclaimed space: ${humanSize(bytes, 4)}`
}
