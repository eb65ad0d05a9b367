// Writes a benchmark's markdown (read from stdin) into README.md between `<!-- bench:<name>:start -->`
// and `<!-- bench:<name>:end -->`, and echoes it. Usage: node bench/readme-table.mjs README.md <name> < table.md
import {readFileSync, writeFileSync} from 'node:fs'

const [readme, name] = process.argv.slice(2)
const table = readFileSync(0, 'utf8').trimEnd()
const text = readFileSync(readme, 'utf8')
const start = `<!-- bench:${name}:start -->`
const end = `<!-- bench:${name}:end -->`
const from = text.indexOf(start)
const to = text.indexOf(end)
if (from === -1 || to === -1) throw new Error(`${readme} has no ${start} ... ${end} markers`)
writeFileSync(readme, `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`)
process.stdout.write(`${table}\n`)
