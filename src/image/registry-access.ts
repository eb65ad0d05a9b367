import {dockerCredentials} from './auth/index.ts'
import {RegistryClient, type CredentialsProvider} from './registry/index.ts'

/** How pull and push reach registries: the user's settings and docker's credentials. */
export interface RegistryAccessOptions {
  insecure?: boolean
  hostsDirs?: readonly string[]
  /** docker's ~/.docker/config.json and credential helpers unless given. */
  credentials?: CredentialsProvider
  userAgent?: string
}

export function registryClientFor(options: RegistryAccessOptions): RegistryClient {
  return new RegistryClient({
    hostsDirs: options.hostsDirs,
    insecure: options.insecure,
    credentials: options.credentials ?? dockerCredentials(),
    ...(options.userAgent ? {userAgent: options.userAgent} : {}),
  })
}
