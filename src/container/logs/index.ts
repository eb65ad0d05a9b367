/** Container logs: docker's json-file format, the shim-run logger, and reading for `nerd logs`. */
export {logTimestamp, openJsonFileLog, parseLogOptions} from './json-file.ts'
export type {JsonFileLog, JsonFileOptions, LogStream} from './json-file.ts'
export {loggerUri, runLogger} from './logger.ts'
export {parseLogTime, readLogs} from './read.ts'
export type {LogSink, ReadLogOptions} from './read.ts'
