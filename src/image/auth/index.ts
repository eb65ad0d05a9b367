export {isRefusedLogin, login, logout, reusableCredentials} from './login.ts'
export type {LoginOptions, LoginResult} from './login.ts'
export {dockerCredentials, eraseCredentials, getCredentials, storeCredentials} from './credentials.ts'
export type {CredentialStoreOptions, StoredCredentials} from './credentials.ts'
export {
  DOCKER_HUB_SERVER_KEY,
  credentialHelperFor,
  dockerConfigDir,
  dockerConfigPath,
  logoutKeys,
  readDockerConfig,
  registryDomainOf,
  serverKey,
  writeDockerConfig,
} from './docker-config.ts'
export type {DockerAuthEntry, DockerConfig} from './docker-config.ts'
export {helperErase, helperGet, helperStore} from './credential-helper.ts'
export type {HelperCredentials} from './credential-helper.ts'
