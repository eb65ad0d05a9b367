/**
 * `image convert`: conversion formats are what plugins register (`nerd:image:convert`); the core
 * finds the source image, hands the chosen format its options, and names the result.
 */
import type {ContainerdClient} from '../containerd/index.ts'
import {NerdError} from '../errors.ts'
import type {ConversionFormat, ConvertOption} from '../hooks/index.ts'
import {normalizedName, parseReference} from './reference.ts'
import {getImage, putImage} from './store.ts'
import type {Descriptor} from './manifest.ts'

/** The flags a format brings: `--<format>` and `--<format>-<option>` per option. */
export function conversionFlagNames(format: ConversionFormat): {flag: string; option?: string; spec?: ConvertOption}[] {
  return [{flag: format.format}, ...Object.entries(format.options ?? {}).map(([option, spec]) => ({flag: `${format.format}-${option}`, option, spec}))]
}

export interface ConvertInput {
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
  const {descriptor} = await input.format.convert({
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
