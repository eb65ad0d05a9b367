import {Command} from '@oclif/core/command'
import type {ContainerdClient} from './containerd/index.ts'
import type {NerdConfig} from './config/index.ts'
import {getConfig} from './context.ts'

export interface ListOptions<Item> {
  /** The user's --format: undefined or 'table' for the default table, 'json', or a Go template. */
  format: string | undefined
  /** The default table as a docker `table ...` template. */
  defaultTable: string
  /** Column headers by field name, as docker prints them. */
  headers: Record<string, string>
  /** Turns an item into the fields templates see, when they differ from the item itself. */
  fields?: (item: Item) => object
}

/**
 * Base of every nerd command: the resolved configuration, one containerd connection per command run
 * (closed when the command ends so the process can exit), and docker's output conventions.
 */
export abstract class NerdCommand extends Command {
  private client?: Promise<ContainerdClient>

  /** docker accepts `--rm=false` and `-q=true`; oclif's booleans take no value, so rewrite them first. */
  async init(): Promise<void> {
    await super.init()
    const {normalizeCommandBooleans} = await import('./config/index.ts')
    this.argv = normalizeCommandBooleans(this.argv, this.ctor.flags ?? {})
  }

  protected nerdConfig(): Promise<NerdConfig> {
    return getConfig()
  }

  /** Connects on first use; the connection is set up while the caller keeps working. */
  protected containerd(): Promise<ContainerdClient> {
    this.client ??= Promise.all([getConfig(), import('./containerd/index.ts')]).then(([config, {connect}]) =>
      connect({address: config.address, namespace: config.namespace}),
    )
    return this.client
  }

  protected print(text: string): void {
    if (text !== '') process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
  }

  protected async renderList<Item extends object>(items: Item[], options: ListOptions<Item>): Promise<string> {
    const {renderItems} = await import('./format/index.ts')
    const rows = options.fields ? items.map(options.fields) : items
    return renderItems(rows, {format: options.format, defaultTable: options.defaultTable, headers: options.headers})
  }

  protected async renderOne(item: object, format: string): Promise<string> {
    const {renderItems} = await import('./format/index.ts')
    return renderItems([item], {format, defaultTable: format, headers: {}})
  }

  /**
   * docker's inspect: a JSON array of what was found (or the template per object), `No such <kind>: x`
   * on stderr for each missing one (lookup answers undefined or throws NOT_FOUND), exit 1 if any was missing.
   */
  protected async printInspect<T extends object>(names: string[], lookup: (name: string) => Promise<T | undefined>, format: string | undefined, kind: string): Promise<void> {
    const {formatInspect} = await import('./format/index.ts')
    const {isNotFound} = await import('./containerd/index.ts')
    const found: T[] = []
    const missing: string[] = []
    for (const name of names) {
      try {
        const item = await lookup(name)
        if (item) found.push(item)
        else missing.push(name)
      } catch (error) {
        if (!isNotFound(error)) throw error
        missing.push(name)
      }
    }
    this.print(formatInspect(found, format))
    if (missing.length > 0) {
      for (const name of missing) process.stderr.write(`Error: No such ${kind}: ${name}\n`)
      this.exit(1)
    }
  }

  /** Runs `action` for each name, reporting each failure on its own line; exit 1 if any failed. */
  protected async forEachName(names: string[], action: (name: string) => Promise<void>): Promise<void> {
    let failed = false
    for (const name of names) {
      try {
        await action(name)
      } catch (error) {
        if (names.length === 1 || !(error instanceof Error)) throw error
        failed = true
        process.stderr.write(`Error: ${error.message.split('\n', 1)[0]}\n`)
      }
    }
    if (failed) this.exit(1)
  }

  protected async finally(error: Error | undefined): Promise<unknown> {
    if (this.client) {
      const client = await this.client.catch(() => undefined)
      client?.close()
    }
    return super.finally(error)
  }
}
