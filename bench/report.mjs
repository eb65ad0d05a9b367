// Turns the start-up benchmark's hyperfine JSON exports into a markdown table (for readme-table.mjs).
// Usage: node bench/report.mjs <without-ca.json> <with-ca.json> <peak-rss-kb.json>
import {readFileSync} from 'node:fs'
import os from 'node:os'

const [withoutCa, withCa, rssFile] = process.argv.slice(2)
const load = (file) => Object.fromEntries(JSON.parse(readFileSync(file, 'utf8')).results.map((r) => [r.command, r]))
const unset = load(withoutCa)
const set = load(withCa)
const ms = (seconds) => `${(seconds * 1000).toFixed(0)} ms`
const peakRssKb = JSON.parse(readFileSync(rssFile, 'utf8'))
const rssMb = (command) => (command in peakRssKb ? `${(peakRssKb[command] / 1024).toFixed(0)} MiB` : 'n/a')

const rows = Object.keys(unset).map((command) => `| \`${command}\` | ${ms(unset[command].median)} | ${ms(set[command].median)} | ${rssMb(command)} |`)
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPUs, Node ${process.version}, medians of ${unset[Object.keys(unset)[0]].times.length} runs in hyperfine rounds that rotate the order.`,
  '',
  '| command | median, NODE_EXTRA_CA_CERTS unset | median, set | peak RSS |',
  '|---|---|---|---|',
  ...rows,
].join('\n')

process.stdout.write(`${table}\n`)
