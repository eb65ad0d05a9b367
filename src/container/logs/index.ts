/**
 * Container logs: docker's json-file format (writing, rotation, reading for `nerd logs` and
 * `attach`) and the logging driver containerd's shim runs for detached containers.
 * dist/logger.js imports ./logger.ts directly, so that it carries no more than it needs.
 */
export {checkLogConfig, logTimestamp, namesAttributes, openContainerLog, openJsonFileLog, parseLogOptions} from './json-file.ts'
export type {JsonFileLog, JsonFileOptions, LogStream} from './json-file.ts'
export {loggerUri, runLogger} from './logger.ts'
export type {LoggerEnvironment} from './logger.ts'
export {parseLogTime, parseLogTimeNanoseconds, readLogs} from './read.ts'
export type {LogSink, ReadLogOptions} from './read.ts'
