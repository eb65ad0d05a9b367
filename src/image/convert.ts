/**
 * `image convert`: conversion formats are what plugins register (`nerd:image:convert`); the core
 * finds the source image, hands the chosen format its options, and names the result.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {ConversionFormat, ConvertOption, ConvertRequest} from '../hooks/index.ts'
import {describeThrown} from '../hooks/errors.ts'
import {normalizedName, parseReference} from './reference.ts'
import {getImage, putImage} from './store.ts'
import type {Descriptor} from './manifest.ts'

/** The flags a format brings: `--<format>` and `--<format>-<option>` per option. */
export function conversionFlagNames(format: ConversionFormat): {flag: string; option?: string; spec?: ConvertOption}[] {
  return [{flag: format.format}, ...Object.entries(format.options ?? {}).map(([option, spec]) => ({flag: `${format.format}-${option}`, option, spec}))]
}

export interface ConvertInput {
  /** The plugin that offers the format. */
  plugin: string
  format: ConversionFormat
  source: string
  target: string
  platforms: readonly string[]
  /** The format's option values by option name. */
  options: Record<string, string | boolean | number | undefined>
  signal: AbortSignal
}

/** Runs the conversion and stores its result under the target name; returns the new root. */
export async function convertImage(client: ContainerdClient, input: ConvertInput): Promise<Descriptor> {
  const sourceName = normalizedName(parseReference(input.source))
  const targetName = normalizedName(parseReference(input.target))
  const source = await getImage(client, sourceName)
  if (!source) throw new NerdError(`No such image: ${input.source}`)
  const descriptor = await pluginConversion(input.plugin, input.format, {
    source: {name: sourceName, descriptor: source.target},
    target: targetName,
    platforms: input.platforms,
    options: input.options,
    namespace: client.namespace,
    signal: input.signal,
  })
  await putImage(client, {name: targetName, target: descriptor})
  return descriptor
}

/**
 * The plugin's `convert` run, its result checked. A failure, a result that is no descriptor, or a
 * promise nothing can settle any more (the process has nothing else left to run: node would end
 * with its exit 13) is one line naming the plugin and the format. Not a hook: no time limit, since
 * a conversion takes as long as the image's size asks; ctrl-c aborts `request.signal`.
 */
export async function pluginConversion(plugin: string, format: ConversionFormat, request: ConvertRequest): Promise<Descriptor> {
  const failed = (reason: string, cause?: unknown) => new NerdError(`plugin "${plugin}" failed to convert to format "${format.format}": ${reason}`, {cause})
  const stall = failed('its convert() never settled, and nothing it started is running any more')
  let idle!: () => void
  // The event loop has run empty: nothing is left that could settle the conversion.
  const stalled = new Promise<never>((_, reject) => (idle = () => reject(stall)))
  process.on('beforeExit', idle)
  let result: unknown
  try {
    result = await Promise.race([Promise.resolve().then(() => format.convert(request)), stalled])
  } catch (error) {
    // Interrupted: whatever the conversion made of it.
    if (request.signal.aborted) throw request.signal.reason
    if (error === stall) throw stall
    throw failed(describeThrown(error), error)
  } finally {
    process.off('beforeExit', idle)
  }
  const descriptor = isRecord(result) ? result.descriptor : undefined
  if (!isRecord(descriptor) || typeof descriptor.mediaType !== 'string' || typeof descriptor.digest !== 'string' || !DIGEST.test(descriptor.digest) || !Number.isSafeInteger(descriptor.size) || (descriptor.size as number) < 0) {
    throw failed('returned an invalid result: expected {descriptor} of the new image, with its mediaType, digest (sha256:…) and size')
  }
  return descriptor as unknown as Descriptor
}

const DIGEST = /^sha256:[0-9a-f]{64}$|^sha512:[0-9a-f]{128}$/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
