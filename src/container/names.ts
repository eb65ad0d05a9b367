/**
 * Container identity as docker users know it: 64-hex IDs, names of docker's restricted character
 * set, and generated `adjective_surname` names for containers created without `--name`.
 */
import {randomBytes, randomInt} from 'node:crypto'
import {NerdError} from '../errors.ts'

const NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]'
// docker's pattern (`^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$`) needs two characters; nerd also takes a
// one-character name (`--name w`), which cannot clash with anything docker accepts.
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/
const FULL_ID = /^[0-9a-f]{64}$/
/** A name is the name of its file in the name store (store.ts): at most a file name's length (Linux's NAME_MAX). */
const NAME_MAX = 255

/**
 * Checks a `--name` (or `rename`) value against docker's rule, a leading `/` allowed as docker
 * allows it, and returns the name as nerd stores it, without that slash.
 */
export function validateName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name
  if (!NAME_PATTERN.test(bare)) throw new NerdError(`Invalid container name (${name}), only ${NAME_CHARS} are allowed`)
  if (bare.length > NAME_MAX) throw new NerdError(`Invalid container name (${name}), names are at most ${NAME_MAX} characters long`)
  return bare
}

/** Whether `text` is a name a container can have (validateName's rule, without its leading `/`). */
export function isContainerName(text: string): boolean {
  return NAME_PATTERN.test(text) && text.length <= NAME_MAX
}

/** A new container ID: 64 lowercase hex characters. */
export function newContainerId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex')
    // Like docker, never hand out an ID whose short form reads as a decimal number.
    if (!/^\d{12}/.test(id)) return id
  }
}

/** Whether `text` is a whole container ID rather than a prefix or a name. */
export function isFullId(text: string): boolean {
  return FULL_ID.test(text)
}

const ADJECTIVES = [
  'agile', 'amused', 'ardent', 'astute', 'blissful', 'bold', 'brave', 'bright', 'calm', 'candid',
  'careful', 'cheerful', 'clever', 'curious', 'daring', 'dazzling', 'determined', 'diligent', 'eager', 'earnest',
  'elated', 'eloquent', 'fearless', 'fervent', 'gallant', 'gentle', 'gifted', 'graceful', 'hardy', 'hopeful',
  'humble', 'jolly', 'jovial', 'keen', 'kind', 'lively', 'loyal', 'lucid', 'merry', 'mindful',
  'modest', 'nimble', 'noble', 'patient', 'placid', 'plucky', 'poised', 'proud', 'quick', 'quiet',
  'radiant', 'resolute', 'serene', 'sincere', 'spirited', 'steady', 'sunny', 'swift', 'tender', 'tranquil',
  'upbeat', 'valiant', 'vibrant', 'vivid', 'wise', 'witty', 'zealous', 'zesty',
]

/** Scientists, mathematicians and engineers whose work the industry stands on. */
const SURNAMES = [
  'agnesi', 'archimedes', 'babbage', 'bardeen', 'bohr', 'boole', 'brattain', 'cerf', 'clarke', 'conway',
  'curie', 'darwin', 'dijkstra', 'einstein', 'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman',
  'franklin', 'galileo', 'gauss', 'goodall', 'hamilton', 'hawking', 'heisenberg', 'hertz', 'hilbert', 'hopper',
  'hypatia', 'johnson', 'kahn', 'kepler', 'knuth', 'lamarr', 'lamport', 'liskov', 'lovelace', 'maxwell',
  'meitner', 'mendel', 'mirzakhani', 'newton', 'noether', 'pascal', 'pasteur', 'planck', 'ramanujan', 'ritchie',
  'shannon', 'somerville', 'tesla', 'thompson', 'torvalds', 'turing', 'volta', 'wiles', 'wu', 'yalow',
]

/** A random integer in [0, bound). */
export type RandomInt = (bound: number) => number

/**
 * A docker-style generated name, `adjective_surname`. `attempt` > 0 appends a random digit, as
 * docker does when its earlier picks were taken.
 */
export function generateName(random: RandomInt = randomInt, attempt = 0): string {
  const name = `${ADJECTIVES[random(ADJECTIVES.length)]}_${SURNAMES[random(SURNAMES.length)]}`
  return attempt > 0 ? `${name}${random(10)}` : name
}

/**
 * The names docker tries, in order, for a container created without `--name`: six generated ones
 * (all but the first with a digit), then the container's short ID.
 */
export function* generatedNames(id: string, random: RandomInt = randomInt): Generator<string> {
  for (let attempt = 0; attempt < 6; attempt++) yield generateName(random, attempt)
  yield id.slice(0, 12)
}
