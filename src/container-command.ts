import {readSmallFile} from './files.ts'
import {NerdCommand} from './command.ts'
import {userEnvironment} from './context.ts'
import type {CreatedContainer} from './container/create.ts'
import type {ContainerScope} from './container/lifecycle.ts'
import type {CreateRequest} from './container/create-options.ts'
import {EXIT_NERD_FAILED, NerdError} from './errors.ts'
import {HOOK_CONTAINER_CREATE, runNerdHook} from './hooks/index.ts'
import type {RuntimeSpec} from './hooks/index.ts'
import type {Spec} from './container/spec/index.ts'

/**
 * What `run` and `create` share: docker's argv (nothing after the image is nerd's), the create
 * request from the flags, the container made with the create hooks, and exit code 125 for anything
 * that fails before the container's process starts.
 */
export abstract class ContainerCreateCommand extends NerdCommand {
  /**
   * Whether a user the image lacks waits for the start to fail (docker's `create`), rather than
   * failing at once (`run`, which starts it right away).
   */
  protected readonly userResolvedAtStart: boolean = false

  /** Fails with exit code 125, docker's code for a failure of the tool itself. */
  protected nerdFailure(error: unknown): never {
    if (error instanceof NerdError && error.exitCode !== 1) throw error
    throw new NerdError((error as Error).message, {exitCode: EXIT_NERD_FAILED, cause: error})
  }

  protected async createFromFlags(flags: Record<string, unknown>, positional: string[]): Promise<{scope: ContainerScope; request: CreateRequest; created: CreatedContainer}> {
    const [image, ...command] = positional
    let request: CreateRequest
    try {
      // The connection settles while the flags are read.
      void this.containerd().catch(() => undefined)
      // oclif's parse has required it; this narrows the type.
      if (image === undefined) throw new NerdError(`nerd: 'nerd ${this.id?.replace(':', ' ')}' requires at least 1 argument`)
      const {createRequestFromFlags} = await import('./container/create-options.ts')
      request = createRequestFromFlags(flags as never, {environment: userEnvironment(), readFile: (path) => readSmallFile(path), command, image, cwd: process.cwd()})
    } catch (error) {
      this.nerdFailure(error)
    }
    // docker's runContainer refuses this once its flags are parsed, before it creates anything: a plain error, exit 1.
    if (request.detach && ((flags.attach as string[] | undefined) ?? []).length > 0) throw new NerdError('conflicting options: cannot specify both --attach and --detach')
    try {
      const cidFile = request.cidfile ? await (await import('./container/cid-file.ts')).createCidFile(request.cidfile) : undefined
      const {scope, created} = await this.createContainer(flags, request, image).catch(async (error: unknown) => {
        await cidFile?.discard()
        throw error
      })
      await cidFile?.write(created.record.Id)
      return {scope, request, created}
    } catch (error) {
      this.nerdFailure(error)
    }
  }

  /** The container the request describes, its image pulled if needed, with the create hooks. */
  private async createContainer(flags: Record<string, unknown>, request: CreateRequest, image: string): Promise<{scope: ContainerScope; created: CreatedContainer}> {
    const [scope, config] = await Promise.all([this.containerScope(), this.nerdConfig()])
    const {createContainer} = await import('./container/create.ts')
    const {dockerConfigFor} = await import('./container/create-options.ts')
    const {pullImage} = await import('./image/pull.ts')
    const {createProgressRenderer, pullHeader, pullSummary, reportedReference} = await import('./image/progress.ts')
    const {familiarName} = await import('./image/reference.ts')
    const target = {namespace: config.namespace, address: config.address}
    const created = await createContainer(scope.client, request, {
      dataRoot: scope.dataRoot,
      snapshotter: config.snapshotter,
      cgroupManager: config.cgroupManager,
      cni: {cniPath: config.cniPath, netconfPath: config.cniNetconfPath},
      networkHooks: await this.recordedNetworkHooks(target),
      startHooks: await this.recordedStartHooks(target),
      environment: userEnvironment(),
      userResolvedAtStart: this.userResolvedAtStart,
      ...(process.stdout.isTTY ? {consoleSize: {width: process.stdout.columns, height: process.stdout.rows}} : {}),
      ociHook: {
        path: process.execPath,
        args: [process.execPath, (await import('./container/run.ts')).ociHookScript()],
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      },
      dockerConfig: (imageConfig, facts) => dockerConfigFor(request, imageConfig, facts),
      pull: async (reference, {missing}) => {
        const output = request.quietPull ? {write: () => true} : process.stderr
        // docker's lines (on stderr, terminal or not); the layers' progress only on a terminal.
        const shown = reportedReference(image)
        if (missing) output.write(`Unable to find image '${shown ? familiarName(shown.reference) : image}' locally\n`)
        const progress = createProgressRenderer(output)
        try {
          const pulled = await pullImage(scope.client, reference, {
            platforms: request.options.platform ? [request.options.platform] : undefined,
            snapshotter: config.snapshotter,
            insecure: config.insecureRegistry,
            hostsDirs: config.hostsDir,
            onProgress: progress.listener,
            onResolved: shown ? () => output.write(`${pullHeader(shown.reference)}\n`) : undefined,
            hooks: this.pullHooks(flags, target),
            userAgent: `nerd/${this.config.version}`,
          })
          progress.close()
          if (shown) output.write(pullSummary(shown.reference, pulled).map((line) => `${line}\n`).join(''))
          return pulled.name
        } finally {
          progress.close()
        }
      },
      beforeCreate: this.subscribed(HOOK_CONTAINER_CREATE)
        ? async (payload) => {
            const outcome = await runNerdHook(this.config, HOOK_CONTAINER_CREATE, {...payload, spec: payload.spec as unknown as RuntimeSpec, flags}, target)
            return {spec: outcome.spec as unknown as Spec, labels: outcome.labels}
          }
        : undefined,
    })
    for (const warning of created.warnings) process.stderr.write(`WARNING: ${warning}\n`)
    return {scope, created}
  }
}
