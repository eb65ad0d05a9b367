// Runs hyperfine in rounds that rotate the order of the commands, and merges the rounds into one
// hyperfine-shaped JSON export ({results: [{command, median, mean, times}]}, times in seconds).
// hyperfine alone runs all of one command's runs before the next command's, so a machine that
// slows down or speeds up meanwhile (a shared machine does) favours one of them; rotated rounds
// spread that drift over every command.
//
//   node bench/rounds.mjs --rounds R --runs-per-round K [--warmup W] --export-json FILE \
//     -- -n NAME [--prepare CMD] COMMAND  -n NAME [--prepare CMD] COMMAND ...
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const args = process.argv.slice(2)
const split = args.indexOf('--')
if (split < 0) throw new Error('usage: rounds.mjs --rounds R --runs-per-round K [--warmup W] --export-json FILE -- -n NAME [--prepare CMD] COMMAND ...')
const options = {}
for (let index = 0; index < split; index += 2) options[args[index].replace(/^--/, '')] = args[index + 1]
const rounds = Number(options.rounds ?? 6)
const runsPerRound = Number(options['runs-per-round'] ?? 5)
const warmup = Number(options.warmup ?? 1)
const exportJson = options['export-json']
if (!exportJson) throw new Error('rounds.mjs: --export-json FILE is required')

// Each command: its hyperfine arguments, from its -n to the next -n.
const groups = []
for (const arg of args.slice(split + 1)) {
  if (arg === '-n' || groups.length === 0) groups.push([])
  groups.at(-1).push(arg)
}
const nameOf = (group) => group[1]

const times = new Map(groups.map((group) => [nameOf(group), []]))
const work = mkdtempSync(join(tmpdir(), 'nerd-bench-rounds-'))
let failed = false
try {
  for (let round = 0; round < rounds; round++) {
    const order = groups.map((_, index) => groups[(index + round) % groups.length])
    const file = join(work, `round-${round}.json`)
    try {
      // Its warnings (outliers, on a shared machine every round) are kept back; a failure is shown.
      execFileSync('hyperfine', ['--style', 'none', '--warmup', String(warmup), '--runs', String(runsPerRound), '--export-json', file, ...order.flat()], {stdio: ['ignore', 'ignore', 'pipe']})
    } catch (error) {
      process.stderr.write(String(error.stderr ?? error.message))
      failed = true
      break
    }
    for (const result of JSON.parse(readFileSync(file, 'utf8')).results) times.get(result.command).push(...result.times)
  }
} finally {
  rmSync(work, {recursive: true, force: true})
}
if (failed) process.exit(1)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const results = groups.map((group) => {
  const all = times.get(nameOf(group))
  return {command: nameOf(group), median: median(all), mean: all.reduce((sum, value) => sum + value, 0) / all.length, times: all}
})
writeFileSync(exportJson, `${JSON.stringify({results}, null, 2)}\n`)
