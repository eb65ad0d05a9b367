import assert from 'node:assert/strict'
import {describe, it} from 'node:test'
import {emptiedDirectories, keptChanges} from '../../../src/container/commit.ts'
import type {Change} from '../../../src/container/commit.ts'

/** The definitions the linear ones must agree with, by prefix over every path (quadratic). */
const reference = {
  emptied(paths: string[], directories: string[], dropped: Set<string>): string[] {
    const left = new Set(dropped)
    for (const directory of [...directories].sort((a, b) => b.length - a.length)) {
      const inside = paths.filter((path) => path.startsWith(`${directory === '/' ? '' : directory}/`))
      if (inside.length > 0 && inside.every((path) => left.has(path))) left.add(directory)
    }
    return directories.filter((directory) => left.has(directory))
  },
  kept(changes: Change[], same: Set<string>): Change[] {
    const changedInside = (directory: string) => changes.some((other) => other.path.startsWith(`${directory}/`) && !same.has(other.path))
    return changes.filter((change) => !same.has(change.path) || changedInside(change.path))
  },
}

/** A generator of pseudo-random numbers below n, the same for a seed. */
function randomFrom(seed: number): (n: number) => number {
  let state = seed
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648
    return (state >> 8) % n
  }
}

/** A small random layer: paths up to three deep over names that are prefixes of each other. */
function randomLayer(next: (n: number) => number): {paths: string[]; directories: string[]} {
  const names = ['a', 'ab', 'a-b', 'b', 'etc', 'hosts']
  const directories = new Set<string>()
  const files = new Set<string>()
  for (let count = next(12) + 1; count > 0; count--) {
    const parts = Array.from({length: next(3) + 1}, () => names[next(names.length)]!)
    const path = `/${parts.join('/')}`
    // Its parents as entries, or some of them only (a layer need not hold every parent).
    for (let depth = 1; depth < parts.length; depth++) if (next(4) > 0) directories.add(`/${parts.slice(0, depth).join('/')}`)
    if (next(3) === 0) directories.add(path)
    else files.add(path)
  }
  if (next(3) === 0) directories.add('/')
  const dirs = [...directories].filter((path) => !files.has(path))
  return {paths: [...dirs, ...files], directories: dirs}
}

describe('commit: directories left out with the runtime mount points', () => {
  it('takes out a directory that held only dropped entries, and one emptied of emptied ones', () => {
    const paths = ['/etc', '/etc/hosts', '/etc/hostname', '/x', '/x/y', '/x/y/hosts']
    const dropped = new Set(['/etc/hosts', '/etc/hostname', '/x/y/hosts'])
    assert.deepEqual(emptiedDirectories(paths, ['/etc', '/x', '/x/y'], dropped), ['/etc', '/x', '/x/y'])
  })

  it('keeps a directory holding anything else: a file, an empty directory, a name that only starts the same', () => {
    const paths = ['/a', '/a/hosts', '/ab', '/ab/f', '/c', '/c/hosts', '/c/empty', '/d', '/d/e', '/d/e/hosts', '/d/f']
    const dropped = new Set(['/a/hosts', '/c/hosts', '/d/e/hosts'])
    const directories = ['/a', '/ab', '/c', '/c/empty', '/d', '/d/e']
    assert.deepEqual(emptiedDirectories(paths, directories, dropped), ['/a', '/d/e'])
    assert.deepEqual(emptiedDirectories(paths, directories, dropped), reference.emptied(paths, directories, dropped))
  })

  it('looks through parents the layer has no entry for, and keeps the root', () => {
    const paths = ['/', '/etc', '/etc/x/hosts', '/var/hosts']
    const dropped = new Set(['/etc/x/hosts', '/var/hosts'])
    assert.deepEqual(emptiedDirectories(paths, ['/', '/etc'], dropped), ['/etc'])
  })

  it('agrees with the definition by prefixes on random layers', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const next = randomFrom(seed)
      const {paths, directories} = randomLayer(next)
      const files = paths.filter((path) => !directories.includes(path))
      const dropped = new Set(files.filter(() => next(4) > 0))
      assert.deepEqual(emptiedDirectories(paths, directories, dropped), reference.emptied(paths, directories, dropped), `seed ${seed}: ${paths.join(' ')}`)
    }
  })
})

describe('diff: directories listed only for what changed inside them', () => {
  const change = (path: string): Change => ({kind: 'C', path})

  it('keeps an unchanged directory above a change, at any depth, and no other', () => {
    const changes = ['/a', '/a/b', '/a/b/c', '/a/b/c/f', '/ab', '/ab/g', '/a-b', '/x', '/x/y', '/z'].map(change)
    const same = new Set(['/a', '/a/b', '/a/b/c', '/a-b', '/ab', '/x', '/x/y'])
    assert.deepEqual(keptChanges(changes, same).map((kept) => kept.path), ['/a', '/a/b', '/a/b/c', '/a/b/c/f', '/ab', '/ab/g', '/z'])
  })

  it('does not count an unchanged directory inside as a change, nor a name that only starts the same', () => {
    const changes = ['/etc', '/etc/ssl', '/etcetera', '/et', '/et/c'].map(change)
    const same = new Set(['/etc', '/etc/ssl', '/et'])
    assert.deepEqual(keptChanges(changes, same).map((kept) => kept.path), ['/etcetera', '/et', '/et/c'])
  })

  it('never keeps the root for what changed inside it', () => {
    const changes = ['/', '/f'].map(change)
    assert.deepEqual(keptChanges(changes, new Set(['/'])).map((kept) => kept.path), ['/f'])
  })

  it('agrees with the definition by prefixes on random layers', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const next = randomFrom(seed)
      const {paths, directories} = randomLayer(next)
      const changes = paths.map((path) => ({kind: next(2) === 0 ? 'A' : 'D', path}) as Change)
      const same = new Set(directories.filter(() => next(3) > 0))
      assert.deepEqual(keptChanges(changes, same), reference.kept(changes, same), `seed ${seed}: ${paths.join(' ')}`)
    }
  })
})
