import {Command} from '@oclif/core/command'
import type {Interfaces} from '@oclif/core'
import type {ContainerdClient} from './containerd/index.ts'
import type {NerdConfig} from './config/index.ts'
import type {FifoSet} from './container/io.ts'
import type {TemplateOptions} from './format/index.ts'
import type {ContainerScope, LoadedContainer} from './container/lifecycle.ts'
import {connectToContainerd, getConfig, takeEarlyConnection} from './context.ts'
import {onStopSignals, runEarlyExitCleanups} from './early-exit.ts'
import {NerdError, trimmedId} from './errors.ts'
import {HOOK_CONTAINER_START, HOOK_IMAGE_RESOLVE, HOOK_IMAGE_UNPACK, HOOK_IMAGE_VERIFY, runNerdHook} from './hooks/index.ts'
import type {NerdHookEvent} from './hooks/index.ts'
import type {PullHooks} from './image/pull.ts'
import type {RecordedHooks} from './hooks/recorded.ts'
import type {NerdEvent} from './system/nerd-events.ts'
import {Limiter} from './limiter.ts'

/** How long a stopped command may take to clean up before it is ended anyway. */
const STOP_GRACE_MS = 10_000
/** How long the clean-ups of a command ended early may take (deleting a lease takes milliseconds). */
const EARLY_EXIT_CLEANUP_MS = 2_000

/** docker's CLI acts on at most this many containers at once (rm, stop, kill, pause, unpause); nerd looks as many up at once for inspect. */
const PARALLEL_OPERATIONS = 50

export interface EachNameOptions {
  /** Act on every name at once, as docker does for rm, stop, kill, pause and unpause. */
  parallel?: boolean
  /** Report the failures after all the output, as docker's wait does, rather than in the names' order. */
  failuresLast?: boolean
  /** A failure that is reported but fails the command only beside another (docker's rmi -f of an image that is not there). */
  excused?: (error: Error) => boolean
  /**
   * docker's closing line, given the names that failed (start's `failed to start containers: a, b`,
   * rename's `failed to rename container named a`), printed after each failure's own, for one name too.
   */
  failureSummary?: (failed: string[]) => string
}

export interface EachContainerOptions extends EachNameOptions {
  /** A check docker's daemon makes before it looks the container up (kill's signal); its failure goes through `failure`. */
  beforeLookup?: () => void
  /** docker's daemon's wording of a failure, its lookup's too (kill's `cannot kill container: <name>: …`). */
  failure?: (reference: string, error: unknown) => unknown
}

export interface ListOptions<Item> {
  /** The user's --format: undefined or 'table' for the default table, 'json', or a Go template. */
  format: string | undefined
  /** The default table as a docker `table ...` template. */
  defaultTable: string
  /** Column headers by field name, as docker prints them. */
  headers: Record<string, string>
  /** Turns an item into the fields templates see, when they differ from the item itself. */
  fields?: (item: Item) => object
  /** The Go struct docker's template sees for this listing (a field the rows lack is then an error, as in docker). */
  itemType?: string
}

/**
 * Base of every nerd command: the resolved configuration, one containerd connection per command run
 * (closed when the command ends so the process can exit), and docker's output conventions.
 */
export abstract class NerdCommand extends Command {
  private client?: Promise<ContainerdClient>
  private pluginFlags: Interfaces.FlagInput = {}

  /**
   * docker accepts `--rm=false` and `-q=true`, and lets the last of a repeated single-value flag win;
   * oclif takes no value for booleans and refuses a repeated flag, so the argv is rewritten first.
   */
  async init(): Promise<void> {
    await super.init()
    const config = await import('./config/index.ts')
    if ('pluginFlagCommand' in this.ctor) this.pluginFlags = await this.offeredPluginFlags()
    const definitions = {...this.ctor.flags, ...this.pluginFlags}
    const withHelp = config.withHelpFlag(definitions)
    this.argv = (this.ctor as typeof NerdCommand).flagsEndAtFirstPositional ? config.containerCommandArgv(this.argv, withHelp) : config.normalizeCommandBooleans(this.argv, withHelp)
    const {numberTakenForFlag} = await import('./config/flag-errors.ts')
    const refused = numberTakenForFlag(this.argv, withHelp)
    if (refused) throw refused
    // oclif answers --help itself, not docker's -h; after the rewrite, a container's command is past the `--`
    // and a help flag left in argv asks for help.
    if (config.asksHelp(this.argv, definitions)) {
      const {loadHelpClass} = await import('@oclif/core/help')
      await new (await loadHelpClass(this.config))(this.config).showHelp([this.id ?? ''])
      this.exit(0)
    }
    // A repeatable flag takes one value per occurrence, as docker's do (`--label a=b NAME`);
    // oclif's would take every following word.
    for (const flag of Object.values(definitions)) if (flag.type === 'option' && flag.multiple) flag.multipleNonGreedy = true
    // docker takes arguments from argv only; oclif would read a missing optional one from a piped
    // stdin (`... | while read c; do nerd commit $c; done` named the image after the next line).
    for (const arg of Object.values(this.ctor.args ?? {})) arg.ignoreStdin = true
  }

  /**
   * The flags the installed plugins declare for this command (plugins/declared-flags.ts), read from
   * their package.json, with warnings about those left out. Commands that take them say under which
   * name plugins declare them, in a static `pluginFlagCommand` (which oclif's manifest carries, for help).
   */
  private async offeredPluginFlags(): Promise<Interfaces.FlagInput> {
    const {pluginFlagDefinitions} = await import('./plugins/declared-flags.ts')
    const {flags, warnings} = pluginFlagDefinitions(this.config, this.ctor)
    for (const warning of warnings) process.stderr.write(`WARNING: ${warning}\n`)
    return flags
  }

  /**
   * oclif's parse, with the flags the plugins declare for the command added to the command's own,
   * each value flag's parse given its value as typed (the entry point shields one that begins with
   * `-` from oclif: config/run-args.ts, shieldedFlag). The positional arguments come in the order
   * typed, as docker acts on names (`rm a b a` removes a, b, then a): oclif sorts its argv by where
   * each word first occurs in the whole argv, which moves a repeated word next to its first use and
   * a word also given as a flag's value (`inspect --type volume x volume`) up to that value; its raw
   * tokens keep the order. nerd's arguments are strings, so the words typed are their values too.
   */
  protected async parse<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(options?: Interfaces.Input<F, B, A>, argv?: string[]): Promise<Interfaces.ParserOutput<F, B, A>> {
    if (!options) return super.parse(options, argv)
    const {unshieldingParsers} = await import('./config/index.ts')
    const parsed = await super.parse({...options, flags: unshieldingParsers({...options.flags, ...this.pluginFlags}) as Interfaces.FlagInput<F>}, argv)
    const typed = parsed.raw.flatMap((token) => (token.type === 'arg' ? [token.input] : []))
    // None typed: oclif's argv holds an argument's default (plugins inspect's `.`).
    return typed.length > 0 ? {...parsed, argv: typed} : parsed
  }

  /**
   * Set on commands whose flags end at the first positional, as docker's that turn pflag's
   * interspersing off (run, create, exec, top, commit, tag): the rest is arguments, left as typed
   * (a container's command, ps's options; commit's count them, so `commit c img -a me` is refused as
   * docker's). Each command's own static, so that oclif's manifest carries it for cli.ts.
   */
  static flagsEndAtFirstPositional?: boolean

  /**
   * docker's refusal of a process's terminal fed from nerd's standard input when that is no terminal
   * (`-it` from a pipe); a detached process takes no input.
   */
  protected async requireAttachTerminal(flags: {detach?: boolean; interactive?: boolean; tty?: boolean}): Promise<void> {
    if (flags.detach) return
    ;(await import('./container/attach.ts')).requireInputTerminal(process.stdin, {stdin: flags.interactive ?? false, tty: flags.tty ?? false})
  }

  /**
   * For a process run or exec'd attached (not `-d`): starts making its FIFOs while other work goes
   * on (mkfifo is a process, see makeFifos). A failure to make them is the start's to report, when it
   * takes them; work that fails before then goes through discardingFifosOnFailure.
   */
  protected attachedFifosAhead(flags: {detach?: boolean; interactive?: boolean; tty?: boolean}): Promise<FifoSet> | undefined {
    if (flags.detach) return undefined
    const made = Promise.all([import('./container/io.ts'), this.nerdConfig()]).then(([{makeFifos}, config]) =>
      makeFifos(config.dataRoot, {stdin: flags.interactive ?? false, terminal: flags.tty ?? false}),
    )
    made.catch(() => undefined)
    return made
  }

  /** `work` that comes before FIFOs made ahead are used: when it fails, nothing will use them. */
  protected async discardingFifosOnFailure<T>(fifos: Promise<FifoSet> | undefined, work: Promise<T>): Promise<T> {
    try {
      return await work
    } catch (error) {
      await (await import('./container/io.ts')).discardFifos(fifos)
      throw error
    }
  }

  /**
   * Runs `work` so that ctrl-c, a closed terminal (SIGHUP) or SIGTERM stop it through its abort signal
   * (work that cleans up on abort, a pull's lease, gets to); then nerd dies of that signal, as a tool
   * killed by it does (exit status 128 + its number). A second signal, or clean-up that takes longer
   * than STOP_GRACE_MS, ends nerd at once, after only the clean-ups of early-exit.ts.
   */
  protected async stoppableBySignals<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController()
    let received: NodeJS.Signals | undefined
    let dying = false
    // What would outlive nerd (a lease) goes first, briefly; a signal meanwhile ends nerd outright.
    const dieOf = (signal: NodeJS.Signals): void => {
      const die = (): void => {
        stopListening()
        process.kill(process.pid, signal)
      }
      if (dying) return die()
      dying = true
      void runEarlyExitCleanups(EARLY_EXIT_CLEANUP_MS).then(die)
    }
    const stop = (signal: NodeJS.Signals): void => {
      if (received) return dieOf(signal)
      received = signal
      setTimeout(dieOf, STOP_GRACE_MS, signal).unref()
      controller.abort(new NerdError(`${this.id ?? 'nerd'} interrupted`))
    }
    const stopListening = onStopSignals(stop)
    try {
      return await work(controller.signal)
    } finally {
      stopListening()
      if (received) process.kill(process.pid, received)
    }
  }

  /**
   * Runs `work`, which writes an archive to stdout (save, export, cp to -). A reader that goes away
   * cuts the archive short: nerd then dies of SIGPIPE, as docker's CLI does (status 141 in a shell),
   * once the work has cleaned up (a lease), where other output ends nerd at once (bin/run.js).
   */
  protected async writingArchiveToStdout<T>(work: () => Promise<T>): Promise<T> {
    const marks = process.stdout as unknown as Record<symbol, boolean>
    const mark = Symbol.for('nerd.archive-on-stdout')
    marks[mark] = true
    try {
      const result = await work()
      // The archive is whole: a later write to a reader gone meanwhile ends nerd as any other output does.
      delete marks[mark]
      return result
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') (await import('./broken-pipe.ts')).dieOfBrokenPipe()
      throw error
    }
  }

  protected nerdConfig(): Promise<NerdConfig> {
    return getConfig()
  }

  /** Connects on first use; the connection is set up while the caller keeps working. */
  protected containerd(): Promise<ContainerdClient> {
    this.client ??= takeEarlyConnection() ?? connectToContainerd()
    return this.client
  }

  /**
   * Publishes events of nerd's own for `nerd events` (system/nerd-events.ts), in order. Commands that
   * work without containerd (volumes, networks) still succeed without it: then nothing is published.
   */
  protected async publishEvents(events: NerdEvent[]): Promise<void> {
    if (events.length === 0) return
    const client = await this.containerd().catch(() => undefined)
    if (!client) return
    const {publishEvents} = await import('./system/nerd-events.ts')
    await publishEvents(client, events)
  }

  /** The containerd connection and data root that container commands work in. */
  protected async containerScope(): Promise<ContainerScope> {
    const [client, config] = await Promise.all([this.containerd(), getConfig()])
    return {client, dataRoot: config.dataRoot}
  }

  /**
   * Runs `action` on each container named, docker-style: one error line per failure, exit 1 if any
   * failed. The action gets the reference trimmed, as docker's client sends it (for messages in its
   * daemon's words), and as typed, which docker's CLI prints for the containers it acted on.
   */
  protected async forEachContainer(
    references: string[],
    action: (scope: ContainerScope, container: LoadedContainer, reference: string, typed: string) => Promise<string | void>,
    options: EachContainerOptions = {},
  ): Promise<void> {
    const scope = await this.containerScope()
    const {loadContainerOrDead} = await import('./container/lifecycle.ts')
    const {NoSuchContainerError} = await import('./container/store.ts')
    const {beforeLookup, failure = (_reference: string, error: unknown) => error, ...eachName} = options
    await this.forEachName(
      references,
      async (typed) => {
        // As docker's client sends it (trimID), before the daemon's checks.
        const reference = trimmedId('container', typed)
        try {
          beforeLookup?.()
          // A dead container is the action's to show or refuse, as docker's commands do (lifecycle.ts, DeadContainerError).
          const container = await loadContainerOrDead(scope, reference)
          // Removed meanwhile (a racing rm -f): named as the user typed it, as docker's daemon does, not by id.
          return await action(scope, container, reference, typed).catch((error: unknown) => {
            throw error instanceof NoSuchContainerError && error.reference === container.record.Id ? new NoSuchContainerError(reference) : error
          })
        } catch (error) {
          throw failure(reference, error)
        }
      },
      eachName,
    )
  }

  /** Whether any plugin subscribes to `event`: commands bridge only those, so plain runs do no hook work. */
  protected subscribed(event: NerdHookEvent): boolean {
    return this.config.getPluginsList().some((plugin) => (plugin.hooks?.[event]?.length ?? 0) > 0)
  }

  /** The plugins with network hooks, recorded for the OCI hook (hooks/recorded.ts); undefined when none. */
  protected async recordedNetworkHooks(target: {namespace: string; address: string}): Promise<RecordedHooks | undefined> {
    const {NETWORK_HOOK_EVENTS} = await import('./network/plugin-hooks.ts')
    if (!NETWORK_HOOK_EVENTS.some((event) => this.subscribed(event))) return undefined
    const {recordHookPlugins} = await import('./hooks/recorded.ts')
    return {nerdVersion: this.config.version, ...target, dataDir: this.config.dataDir, plugins: recordHookPlugins(this.config, NETWORK_HOOK_EVENTS)}
  }

  /** The plugins with nerd:container:start hooks, recorded for the exit handler's restarts (container/start-hooks.ts); undefined when none. */
  protected async recordedStartHooks(target: {namespace: string; address: string}): Promise<RecordedHooks | undefined> {
    if (!this.subscribed(HOOK_CONTAINER_START)) return undefined
    const {recordHookPlugins} = await import('./hooks/recorded.ts')
    return {nerdVersion: this.config.version, ...target, dataDir: this.config.dataDir, plugins: recordHookPlugins(this.config, [HOOK_CONTAINER_START])}
  }

  /**
   * Tells the plugins subscribed to `nerd:container:start` that the container's process `pid` runs:
   * after every start this command made (`run`, `start`, `restart`); the exit handler fires it for
   * its restarts by policy (container/start-hooks.ts).
   */
  protected async announceStart(container: {record: {Id: string; Name: string}; labels: Record<string, string>}, pid: number): Promise<void> {
    if (!this.subscribed(HOOK_CONTAINER_START)) return
    const config = await this.nerdConfig()
    await runNerdHook(this.config, HOOK_CONTAINER_START, {id: container.record.Id, name: container.record.Name, pid, labels: container.labels}, {namespace: config.namespace, address: config.address})
  }

  /** The pull hooks (resolve, verify, unpack) that some plugin subscribes to. */
  protected pullHooks(flags: Record<string, unknown>, target: {namespace: string; address: string}): PullHooks {
    const hooks: PullHooks = {}
    if (this.subscribed(HOOK_IMAGE_RESOLVE)) {
      hooks.resolve = async (payload) => (await runNerdHook(this.config, HOOK_IMAGE_RESOLVE, {...payload, flags}, target))?.source
    }
    const required = requiredVerifiers(flags.verify as string[] | undefined)
    // Fired with no plugin subscribed too when a verifier is required: the runner then fails the pull.
    if (this.subscribed(HOOK_IMAGE_VERIFY) || required.length > 0) {
      hooks.verify = async (payload) => {
        await runNerdHook(this.config, HOOK_IMAGE_VERIFY, {...payload, require: required, flags}, target)
      }
    }
    if (this.subscribed(HOOK_IMAGE_UNPACK)) {
      hooks.unpack = (payload) => runNerdHook(this.config, HOOK_IMAGE_UNPACK, {...payload, flags}, target)
    }
    return hooks
  }

  /** docker's prune prompt: `warning`, then `Are you sure you want to continue? [y/N]`; no answer is a no. */
  protected async confirm(warning: string): Promise<boolean> {
    const {createInterface} = await import('node:readline/promises')
    const prompt = createInterface({input: process.stdin, output: process.stdout})
    const closed = new Promise<string>((resolve) => prompt.once('close', () => resolve('')))
    try {
      const answer = await Promise.race([prompt.question(`${warning}\nAre you sure you want to continue? [y/N] `), closed])
      return /^y(es)?$/i.test(answer.trim())
    } finally {
      prompt.close()
    }
  }

  /**
   * How docker's attach and exec end when the detach keys are typed: moby/term's EscapeError, as it
   * is (run and start -a detach quietly).
   */
  protected exitDetached(): never {
    process.stderr.write('read escape sequence\n')
    this.exit(1)
  }

  protected print(text: string): void {
    if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  protected async renderList<Item extends object>(items: Item[], options: ListOptions<Item>): Promise<string> {
    const {renderItems} = await import('./format/index.ts')
    const rows = options.fields ? items.map(options.fields) : items
    return renderItems(rows, {format: options.format, defaultTable: options.defaultTable, headers: options.headers, ...(options.itemType ? {itemType: options.itemType} : {})})
  }

  /**
   * A listing's default format from docker's config.json (`psFormat`, `imagesFormat`, …), which docker
   * uses when no --format is given; the file is read only then. A file that cannot be read is
   * docker's warning, and the table.
   */
  protected configuredFormat(key: 'psFormat' | 'imagesFormat' | 'volumesFormat' | 'networksFormat' | 'statsFormat'): Promise<string | undefined> {
    return this.configuredValue(key)
  }

  /**
   * The detach keys of an attached session, as docker's: `--detach-keys`, else docker's
   * config.json's `detachKeys`, else ctrl-p,ctrl-q; an empty value counts as none.
   */
  protected async detachKeys(flag: string | undefined): Promise<number[]> {
    const {parseDetachKeys} = await import('./container/attach.ts')
    return parseDetachKeys(await this.detachKeySetting(flag))
  }

  /** The detach keys' text (see detachKeys), unchecked: exec's are checked once the container is (container/exec.ts). */
  protected async detachKeySetting(flag: string | undefined): Promise<string> {
    const {DEFAULT_DETACH_KEYS} = await import('./container/attach.ts')
    return flag || (await this.configuredValue('detachKeys')) || DEFAULT_DETACH_KEYS
  }

  /** A non-empty string setting of docker's config.json; one that cannot be read is docker's warning, and no value. */
  private async configuredValue(key: string): Promise<string | undefined> {
    const {readDockerConfig} = await import('./image/auth/docker-config.ts')
    try {
      const value = (await readDockerConfig())[key]
      return typeof value === 'string' && value !== '' ? value : undefined
    } catch (error) {
      if (!(error instanceof NerdError)) throw error
      process.stderr.write(`WARNING: Error ${error.message}\n`)
      return undefined
    }
  }

  /**
   * docker's `--format` of info and version, parsed at once (exit 64 when it does not parse): `json`,
   * or the template as typed (no `table`, no `\t` escapes). The printer writes what the template made
   * of an item and a newline, also when it failed on it, and answers that failure (Go's error) for
   * the caller to report, as docker's do.
   */
  protected async oneItemPrinter(format: string, options?: TemplateOptions): Promise<(item: object) => NerdError | undefined> {
    const {literalTemplate} = await import('./format/index.ts')
    const render = literalTemplate(format, options)
    return (item) => {
      const {text, failure} = render(item)
      process.stdout.write(`${text}\n`)
      return failure
    }
  }

  /**
   * docker's inspect: a JSON array of what was found (or the template per object), `No such <kind>: x`
   * on stderr for each missing one (lookup answers undefined or throws NOT_FOUND) and the template's
   * error for each object it failed on, in the order of the names; exit 1 if any failed. The names
   * are looked up side by side (as many at a time as forEachName acts on). `rawFallback: false` as formatInspect's.
   */
  protected async printInspect<T extends object>(
    names: string[],
    lookup: (name: string) => Promise<T | undefined>,
    format: string | undefined,
    kind: string,
    options: {rawFallback?: boolean; trimmed?: boolean} = {},
  ): Promise<void> {
    const {formatInspect} = await import('./format/index.ts')
    const {isNotFound} = await import('./containerd/index.ts')
    const found: T[] = []
    // As docker's, a name that fails is reported after what the others printed.
    const outcomes: ({failure: string} | {index: number})[] = []
    const limiter = new Limiter(PARALLEL_OPERATIONS)
    // As docker's client sends the names of the objects it trims (trimID): the daemon's words name them trimmed.
    const looked = options.trimmed ? names.map((name) => name.trim()) : names
    const lookups = looked.map((name) => limiter.run(async () => lookup(options.trimmed ? trimmedId(kind, name) : name)).then((item) => ({item}), (error: unknown) => ({error})))
    for (const [index, name] of looked.entries()) {
      const outcome = await lookups[index]!
      if ('item' in outcome) {
        if (outcome.item) outcomes.push({index: found.push(outcome.item) - 1})
        else outcomes.push({failure: `No such ${kind}: ${name}`})
      } else if (isNotFound(outcome.error)) {
        outcomes.push({failure: `No such ${kind}: ${name}`})
      } else if (outcome.error instanceof NerdError) {
        outcomes.push({failure: outcome.error.message})
      } else {
        throw outcome.error
      }
    }
    const {text, errors} = formatInspect(found, format, options)
    this.print(text)
    const failures = outcomes.flatMap((outcome) => ('failure' in outcome ? outcome.failure : (errors[outcome.index] ?? [])))
    if (failures.length > 0) {
      for (const failure of failures) process.stderr.write(`Error: ${failure}\n`)
      this.exit(1)
    }
  }

  /**
   * Runs `action` for each name and prints the line it returns, reporting each failure on its own
   * line; exit 1 if any failed (not when all the failures are excused ones). Output and failures
   * come in the order of the names, also when the actions run at the same time (`parallel`).
   */
  protected async forEachName(names: string[], action: (name: string) => Promise<string | void>, options: EachNameOptions = {}): Promise<void> {
    const settle = (outcome: Promise<string | void>) => outcome.then((line) => ({line}), (error: unknown) => ({error}))
    const limiter = new Limiter(PARALLEL_OPERATIONS)
    const outcomes = options.parallel ? names.map((name) => settle(limiter.run(() => action(name)))) : undefined
    const failed: string[] = []
    let excused = 0
    const deferred: string[] = []
    for (const [index, name] of names.entries()) {
      const outcome = await (outcomes?.[index] ?? settle(action(name)))
      if ('error' in outcome) {
        const {error} = outcome
        if (!(error instanceof Error)) throw error
        if (options.excused?.(error)) excused++
        else if (names.length === 1 && options.failureSummary === undefined) throw error
        failed.push(name)
        const failure = `Error: ${error.message.split('\n', 1)[0]}\n`
        if (options.failuresLast) deferred.push(failure)
        else process.stderr.write(failure)
      } else if (typeof outcome.line === 'string') {
        this.print(outcome.line)
      }
    }
    for (const failure of deferred) process.stderr.write(failure)
    if (failed.length === excused) return
    if (options.failureSummary !== undefined) process.stderr.write(`Error: ${options.failureSummary(failed)}\n`)
    this.exit(1)
  }

  protected async finally(error: Error | undefined): Promise<unknown> {
    if (this.client) {
      const client = await this.client.catch(() => undefined)
      client?.close()
    }
    return super.finally(error)
  }
}

/** `--verify` values (repeated, or comma-separated) as the verifiers required; `none` requires none. */
export function requiredVerifiers(values: readonly string[] | undefined): string[] {
  const names = (values ?? []).flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== '' && name !== 'none')
  return [...new Set(names)]
}
