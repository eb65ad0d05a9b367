export {splitGlobalArgs, globalOptionsHelp, CONTAINER_COMMAND_VALUE_FLAGS, type CommandReading, type SplitGlobalArgs} from './argv.ts'
export {
  splitRunArgs,
  normalizeBooleanFlags,
  normalizeCommandBooleans,
  flagSetsOf,
  asksHelp, shortGroupFlags,
  withHelpFlag,
  containerCommandArgv,
  keepLastOfEachFlag,
  unshieldingParsers,
  type SplitRunArgs,
  type ValueFlags,
  type FlagDefinitionShape,
  type FlagSets,
} from './run-args.ts'
export {
  loadConfig,
  runningUnder,
  describeConfig,
  defaultCniPath,
  defaultCgroupManager,
  isCgroupV2,
  DEFAULT_CONFIG_FILE,
  CNI_PATH_CANDIDATES,
  type NerdConfig,
  type ConfigName,
  type SettingSource,
  type LoadConfigOptions,
  type ConfigValueDescription,
} from './config.ts'
export {
  CGROUP_MANAGERS,
  type CgroupManager,
  type GlobalFlags,
  type Settings,
  type SettingName,
} from './settings.ts'
