// Turns hyperfine JSON exports into a markdown table and writes it into README.md between
// `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->`.
// Usage: node bench/report.mjs README.md <name> <without-ca.json> <with-ca.json> <peak-rss-kb.json>
import {readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'

const [readme, name, withoutCa, withCa, rssFile] = process.argv.slice(2)
const load = (file) => Object.fromEntries(JSON.parse(readFileSync(file, 'utf8')).results.map((r) => [r.command, r]))
const unset = load(withoutCa)
const set = load(withCa)
const ms = (seconds) => `${(seconds * 1000).toFixed(0)} ms`
const peakRssKb = JSON.parse(readFileSync(rssFile, 'utf8'))
const rssMb = (command) => (command in peakRssKb ? `${(peakRssKb[command] / 1024).toFixed(0)} MiB` : 'n/a')

const rows = Object.keys(unset).map((command) => `| \`${command}\` | ${ms(unset[command].median)} | ${ms(set[command].median)} | ${rssMb(command)} |`)
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, hyperfine medians of ${unset[Object.keys(unset)[0]].times.length} runs after 3 warm-ups.`,
  '',
  '| command | median, NODE_EXTRA_CA_CERTS unset | median, set | peak RSS |',
  '|---|---|---|---|',
  ...rows,
].join('\n')

const text = readFileSync(readme, 'utf8')
const start = `<!-- bench:${name}:start -->`
const end = `<!-- bench:${name}:end -->`
const from = text.indexOf(start)
const to = text.indexOf(end)
if (from === -1 || to === -1) throw new Error(`${readme} has no ${start} ... ${end} markers`)
writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`)
process.stdout.write(`${table}\n`)
