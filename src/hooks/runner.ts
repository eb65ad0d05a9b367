import type {Interfaces} from '@oclif/core'
import {abandonWork} from './abandoned-work.ts'
import {NerdError} from '../errors.ts'
import {DEFAULT_HOOK_TIMEOUT_MS, orderedHookSteps} from './discovery.ts'
import type {HookStep} from './discovery.ts'
import {HookError, describeThrown, plainLine} from './errors.ts'
import {loadHookFunction} from './loader.ts'
import {asPluginCode} from './plugin-stdout.ts'
import {parseReference} from '../image/reference.ts'
import {watchHookCall} from './stray-errors.ts'
import type {
  CniConfList,
  ConversionFormat,
  LayerUnpackPlan,
  NerdApi,
  NerdHookContext,
  NerdHookEvent,
  NerdHookPayload,
  ResolvedSource,
  RuntimeSpec,
  UnpackPlan,
} from './types.ts'
import {HOOK_API_VERSION, hookApiIncompatibility} from './version.ts'

/** Where the runner and the hooks' `log`/`warn` write; stderr unless the command shows progress itself. */
export interface HookOutput {
  log(message: string): void
  /** Gets the warning without a prefix. */
  warn(message: string): void
}

export interface RunNerdHookOptions {
  /** The containerd namespace and socket of the command, handed to hooks in `api`. */
  namespace: string
  address: string
  /** Time limit for each hook that does not declare `nerd.hookTimeoutMs`; 10 s by default. */
  timeoutMs?: number
  output?: HookOutput
}

/** A verifier that accepted the image. */
export interface Verification {
  plugin: string
  verifier: string
  details?: string
}

export interface RegisteredConversion {
  plugin: string
  format: ConversionFormat
}

/** Hooks of notification events that failed; each was printed as a warning. */
export interface NotifyOutcome {
  warnings: HookError[]
}

/** What runNerdHook returns for each event, after combining the plugins' results. */
export interface NerdHookOutcomes {
  /** The source of the first plugin that resolved the reference; `undefined` when none did. */
  'nerd:image:resolve': {plugin: string; source: ResolvedSource} | undefined
  'nerd:image:verify': {verifications: Verification[]}
  /** The merged plan, starting from the payload's. */
  'nerd:image:unpack': UnpackPlan
  /** Formats in plugin order; a format offered twice keeps its first plugin. */
  'nerd:image:convert': RegisteredConversion[]
  /** The annotations to set on the pushed manifest, starting from the payload's. */
  'nerd:image:push': {annotations: Record<string, string>}
  'nerd:image:pushed': void
  'nerd:container:create': {spec: RuntimeSpec; labels: Record<string, string>}
  'nerd:container:start': NotifyOutcome
  'nerd:network:setup': {conflist: CniConfList; capabilityArgs: Record<string, unknown>}
  'nerd:network:ready': NotifyOutcome
  'nerd:network:teardown': NotifyOutcome
}

/**
 * Fires `event` for every plugin that declares a hook for it, in the order of their
 * `nerd.hookOrder` (then plugin name), and combines the results as the event defines (see
 * NerdHookEvents). A failing hook is reported as a HookError naming the plugin: thrown for events
 * that must succeed, printed as a warning for notifications and registrations.
 */
export async function runNerdHook<E extends NerdHookEvent>(
  config: Interfaces.Config,
  event: E,
  payload: NerdHookPayload<E>,
  options: RunNerdHookOptions,
): Promise<NerdHookOutcomes[E]> {
  const output = options.output ?? stderrOutput
  const plugins = config.getPluginsList()
  const api: NerdApi = Object.freeze({
    hookApiVersion: HOOK_API_VERSION,
    nerdVersion: config.version,
    namespace: options.namespace,
    address: options.address,
  })
  const steps = orderedHookSteps(plugins, event)
  const call: HookCaller = (step, stepPayload) => invokeHook({config, event, step, payload: stepPayload, api, options, output})
  const combine = combiners[event] as Combiner<E>
  return combine({event, steps, payload, call, output})
}

type HookCaller = (step: HookStep, payload: object) => Promise<unknown>

interface CombineInput<E extends NerdHookEvent> {
  event: E
  steps: HookStep[]
  payload: NerdHookPayload<E>
  call: HookCaller
  output: HookOutput
}

type Combiner<E extends NerdHookEvent> = (input: CombineInput<E>) => Promise<NerdHookOutcomes[E]>

const combiners: {[E in NerdHookEvent]: Combiner<E>} = {
  'nerd:image:resolve': async ({event, steps, payload, call}) => {
    for (const step of steps) {
      const result = await call(step, payload)
      if (result === undefined || result === null) continue
      const problem = resolvedSourceProblem(result)
      if (problem) {
        // What the plugin set up for a source nerd cannot use is still given back.
        if (isRecord(result) && typeof result.dispose === 'function') await asPluginCode(() => (result.dispose as () => void | Promise<void>).call(result))
        throw invalidResult(step, event, problem)
      }
      const source = result as ResolvedSource
      const {dispose} = source
      return {plugin: step.plugin.name, source: dispose ? {...source, dispose: () => asPluginCode(() => dispose.call(source))} : source}
    }
    return undefined
  },

  'nerd:image:verify': async ({event, steps, payload, call}) => {
    // Taken before any hook runs: a hook that edits the payload must not drop a required verifier.
    const required = [...payload.require]
    const verifications: Verification[] = []
    for (const step of steps) {
      const result = await call(step, payload)
      if (result === undefined || result === null) continue
      if (!isRecord(result)) throw invalidResult(step, event, 'expected undefined or {verified, ...}')
      if (result.verified === false) {
        const reason = (typeof result.reason === 'string' && plainLine(result.reason)) || 'no reason given'
        throw new HookError({plugin: step.plugin.name, event, reason: `rejected image "${payload.name}": ${reason}`})
      }
      if (result.verified !== true || typeof result.verifier !== 'string' || result.verifier === '') {
        throw invalidResult(step, event, 'a verification needs verified: true and the verifier\'s name')
      }
      verifications.push({
        plugin: step.plugin.name,
        verifier: result.verifier,
        ...(typeof result.details === 'string' ? {details: result.details} : {}),
      })
    }
    // Fail closed when the user asked for a verifier that no plugin provided.
    for (const verifier of required) {
      if (!verifications.some((verification) => verification.verifier === verifier)) {
        throw new NerdError(`image "${payload.name}" was not verified with ${verifier}: no installed plugin verified it (is the ${verifier} plugin installed?)`)
      }
    }
    return {verifications}
  },

  'nerd:image:unpack': async ({event, steps, payload, call}) => {
    let plan = mergeUnpackPlans({}, payload.plan)
    for (const step of steps) {
      // Each hook gets its own copy: only what it returns changes the plan.
      const result = await call(step, {...payload, plan: mergeUnpackPlans({}, plan)})
      if (result === undefined || result === null) continue
      const problem = unpackPlanProblem(result)
      if (problem) throw invalidResult(step, event, problem)
      plan = mergeUnpackPlans(plan, result as UnpackPlan)
    }
    return plan
  },

  'nerd:image:convert': async ({event, steps, payload, call, output}) => {
    const registered: RegisteredConversion[] = []
    for (const step of steps) {
      let entries: unknown[]
      try {
        const result = await call(step, payload)
        entries = result === undefined || result === null ? [] : Array.isArray(result) ? result : [result]
        const problem = entries.map(conversionFormatProblem).find(Boolean)
        if (problem) throw invalidResult(step, event, problem)
      } catch (error) {
        // A broken plugin must not take the other plugins' formats down with it.
        output.warn((error as Error).message)
        continue
      }
      for (const format of entries as ConversionFormat[]) {
        const owner = registered.find((entry) => entry.format.format === format.format)
        if (owner) {
          output.warn(`plugin "${step.plugin.name}" offers conversion format "${format.format}", already offered by plugin "${owner.plugin}"; using plugin "${owner.plugin}"`)
          continue
        }
        // Called by nerd after the hook returned: still the plugin's code.
        registered.push({plugin: step.plugin.name, format: {...format, convert: (request) => asPluginCode(() => format.convert.call(format, request))}})
      }
    }
    return registered
  },

  'nerd:image:push': async ({event, steps, payload, call}) => {
    const annotations: Record<string, string> = {...payload.annotations}
    for (const step of steps) {
      const result = await call(step, {...payload, annotations: {...annotations}})
      if (result === undefined || result === null) continue
      if (!isRecord(result)) throw invalidResult(step, event, 'expected undefined or {veto?, annotations?}')
      if (typeof result.veto === 'string' && result.veto !== '') {
        throw new HookError({plugin: step.plugin.name, event, reason: `refused to push "${payload.name}": ${plainLine(result.veto)}`})
      }
      if (result.annotations !== undefined) {
        if (!isStringRecord(result.annotations)) throw invalidResult(step, event, 'annotations must map strings to strings')
        Object.assign(annotations, result.annotations)
      }
    }
    return {annotations}
  },

  'nerd:image:pushed': async ({steps, payload, call}) => {
    for (const step of steps) await call(step, payload)
  },

  'nerd:container:create': async ({event, steps, payload, call}) => {
    let {spec, labels} = payload
    for (const step of steps) {
      const stepPayload = {...payload, spec, labels}
      const result = await call(step, stepPayload)
      // A hook may change the spec and labels in place, replace them on the payload, or return them.
      ;({spec, labels} = stepPayload)
      if (result !== undefined && result !== null) {
        if (!isRecord(result)) throw invalidResult(step, event, 'expected undefined or {spec?, labels?}')
        if (result.spec !== undefined) spec = result.spec as RuntimeSpec
        if (result.labels !== undefined) {
          if (!isStringRecord(result.labels)) throw invalidResult(step, event, 'labels must map strings to strings')
          labels = {...labels, ...result.labels}
        }
      }
      if (!isRecord(spec) || typeof spec.ociVersion !== 'string') throw invalidResult(step, event, 'the spec is no longer an OCI runtime spec (no ociVersion)')
      if (!isStringRecord(labels)) throw invalidResult(step, event, 'labels must map strings to strings')
    }
    return {spec, labels}
  },

  'nerd:container:start': notify,

  'nerd:network:setup': async ({event, steps, payload, call}) => {
    let {conflist, capabilityArgs} = payload
    for (const step of steps) {
      const stepPayload = {...payload, conflist, capabilityArgs}
      const result = await call(step, stepPayload)
      ;({conflist, capabilityArgs} = stepPayload)
      if (result !== undefined && result !== null) {
        if (!isRecord(result)) throw invalidResult(step, event, 'expected undefined or {conflist?, capabilityArgs?}')
        if (result.conflist !== undefined) conflist = result.conflist as CniConfList
        if (result.capabilityArgs !== undefined) {
          if (!isRecord(result.capabilityArgs)) throw invalidResult(step, event, 'capabilityArgs must be an object')
          capabilityArgs = {...capabilityArgs, ...result.capabilityArgs}
        }
      }
      const problem = conflistProblem(conflist)
      if (problem) throw invalidResult(step, event, problem)
    }
    return {conflist, capabilityArgs}
  },

  'nerd:network:ready': notify,
  'nerd:network:teardown': notify,
}

async function notify({steps, payload, call, output}: CombineInput<NerdHookEvent>): Promise<NotifyOutcome> {
  const warnings: HookError[] = []
  for (const step of steps) {
    try {
      await call(step, payload)
    } catch (error) {
      const failure = error as HookError
      output.warn(failure.message)
      warnings.push(failure)
    }
  }
  return {warnings}
}

interface InvokeInput {
  config: Interfaces.Config
  event: NerdHookEvent
  step: HookStep
  payload: object
  api: NerdApi
  options: RunNerdHookOptions
  output: HookOutput
}

/** Runs one hook: API check, lazy import, call under a time limit. Every failure is a HookError. */
async function invokeHook({config, event, step, payload, api, options, output}: InvokeInput): Promise<unknown> {
  const {plugin, settings, declaration} = step
  // A declaration nerd cannot use was told at install or link (hookDeclarationProblems); a refused
  // hook API is the hook's failure each time.
  if (settings.hookApi !== undefined) {
    const refusal = hookApiIncompatibility(plugin.name, settings.hookApi, HOOK_API_VERSION)
    if (refusal) throw new HookError({plugin: plugin.name, event, reason: refusal, message: refusal})
  }

  const timeoutMs = settings.hookTimeoutMs ?? options.timeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS
  const controller = new AbortController()
  const context: NerdHookContext = {
    api,
    config,
    plugin: Object.freeze({name: plugin.name, version: plugin.version ?? '0.0.0', root: plugin.root}),
    log: (message) => output.log(message),
    warn: (message) => output.warn(`[${plugin.name}] ${message}`),
    signal: controller.signal,
  }
  const timedOut = new HookError({plugin: plugin.name, event, reason: `timed out after ${timeoutMs} ms (${declaration.target})`})
  let timer: NodeJS.Timeout | undefined
  // Not unref'd: a hook that awaits nothing the event loop knows about must still end in the timeout.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(timedOut)
      reject(timedOut)
    }, timeoutMs)
  })
  const run = async () => {
    // From here on, the plugin's code may leave timers and sockets behind (its module's import
    // included), or go on past its time limit: nerd exits once the command is done.
    abandonWork()
    const hook = await loadHookFunction(plugin, declaration)
    return hook.call(context, payload, context)
  }
  // What the plugin throws outside its promise (a timer's error, a rejection nobody handles, a call
  // of process.exit) is this hook's failure while it runs.
  const stray = watchHookCall(plugin.name, event, plugin.root)
  try {
    return await Promise.race([stray.within(() => asPluginCode(run)), deadline, stray.failure])
  } catch (error) {
    if (error === timedOut) throw timedOut
    throw new HookError({plugin: plugin.name, event, reason: describeThrown(error), cause: error})
  } finally {
    clearTimeout(timer)
    stray.end()
  }
}

function invalidResult(step: HookStep, event: string, problem: string): HookError {
  return new HookError({plugin: step.plugin.name, event, reason: `returned an invalid result: ${problem}`})
}

const stderrOutput: HookOutput = {
  log: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`WARNING: ${message}\n`),
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((entry) => typeof entry === 'string')
}

function resolvedSourceProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected undefined or a source object'
  if (value.kind !== 'registry') return `unknown source kind ${JSON.stringify(value.kind)}; this nerd pulls from "registry" sources only`
  if (typeof value.reference !== 'string' || value.reference === '') return 'a registry source needs a reference'
  if (value.name !== undefined && typeof value.name !== 'string') return 'name must be a string'
  if (typeof value.name === 'string') {
    // Stored under a name the user can type back: one that is no image reference no command could reach.
    try {
      parseReference(value.name)
    } catch (error) {
      return `name ${JSON.stringify(value.name)} is no image reference: ${(error as Error).message}`
    }
  }
  if (value.dispose !== undefined && typeof value.dispose !== 'function') return 'dispose must be a function'
  return undefined
}

function unpackPlanProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected undefined or an unpack plan'
  if (value.snapshotter !== undefined && (typeof value.snapshotter !== 'string' || value.snapshotter === '')) return 'snapshotter must be a name'
  if (value.labels !== undefined && !isStringRecord(value.labels)) return 'labels must map strings to strings'
  if (value.layers === undefined) return undefined
  if (!isRecord(value.layers)) return 'layers must map layer digests to layer plans'
  for (const [digest, layer] of Object.entries(value.layers)) {
    if (!isRecord(layer)) return `the plan for layer ${digest} is not an object`
    if (layer.labels !== undefined && !isStringRecord(layer.labels)) return `labels of layer ${digest} must map strings to strings`
    if (layer.payloads !== undefined && !isRecord(layer.payloads)) return `payloads of layer ${digest} must be an object`
    if (layer.apply !== undefined && (!isRecord(layer.apply) || typeof layer.apply.digest !== 'string')) return `apply of layer ${digest} must be a descriptor`
  }
  return undefined
}

function conversionFormatProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return 'expected a conversion format or a list of them'
  if (typeof value.format !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(value.format)) return 'format must be a flag name such as "estargz"'
  if (typeof value.description !== 'string') return `format "${value.format}" needs a description`
  if (typeof value.convert !== 'function') return `format "${value.format}" needs a convert function`
  if (value.options !== undefined && !isRecord(value.options)) return `options of format "${value.format}" must be an object`
  return undefined
}

function conflistProblem(value: unknown): string | undefined {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.cniVersion !== 'string') return 'the conflist needs a name and a cniVersion'
  if (!Array.isArray(value.plugins) || value.plugins.length === 0) return 'the conflist needs at least one plugin'
  if (!value.plugins.every((plugin) => isRecord(plugin) && typeof plugin.type === 'string' && plugin.type !== '')) {
    return 'every plugin in the conflist needs a type'
  }
  return undefined
}

/** Later plans win for the snapshotter and a layer's apply descriptor; labels and payloads merge. */
function mergeUnpackPlans(base: UnpackPlan, next: UnpackPlan): UnpackPlan {
  const merged: UnpackPlan = {}
  const snapshotter = next.snapshotter ?? base.snapshotter
  if (snapshotter !== undefined) merged.snapshotter = snapshotter
  if (base.labels || next.labels) merged.labels = {...base.labels, ...next.labels}
  if (base.layers || next.layers) {
    const layers: Record<string, LayerUnpackPlan> = {}
    for (const digest of new Set([...Object.keys(base.layers ?? {}), ...Object.keys(next.layers ?? {})])) {
      const before = base.layers?.[digest] ?? {}
      const after = next.layers?.[digest] ?? {}
      const layer: LayerUnpackPlan = {}
      const apply = after.apply ?? before.apply
      if (apply !== undefined) layer.apply = apply
      if (before.payloads || after.payloads) layer.payloads = {...before.payloads, ...after.payloads}
      if (before.labels || after.labels) layer.labels = {...before.labels, ...after.labels}
      layers[digest] = layer
    }
    merged.layers = layers
  }
  return merged
}
