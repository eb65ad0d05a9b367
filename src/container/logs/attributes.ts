/**
 * docker's `attrs` of json-file entries (logger.Info.ExtraAttributes and ParseLogTag): the
 * container's labels named by the `labels` log option or matching `labels-regex`, its environment
 * variables named by `env` or matching `env-regex`, and `tag`, a Go template over the container
 * (`{{.Name}}`, `{{.ID}}`, `{{.ImageName}}`, …). Worked out in nerd's process, since the logger must
 * not load the template engine; labels and variables are fixed at create, and the tag follows a
 * rename. docker's logger works them out as it starts: a regular expression or template that
 * fails, fails each start (checkLogAttributes), not the create.
 */
import {hostname} from 'node:os'
import {goRegExp} from '../../format/go-regexp.ts'
import {asGoStruct, GoTime} from '../../format/go-values.ts'
import {Template, TemplateError} from '../../format/template.ts'
import type {ContainerRecord} from '../model.ts'

/** What docker's logger.Info offers a tag template, methods as the values they return. */
function tagData(record: ContainerRecord): Record<string, unknown> {
  return {
    ID: record.Id.slice(0, 12),
    FullID: record.Id,
    Name: record.Name,
    Command: [record.Path, ...record.Args].join(' '),
    // docker's ContainerImageID[:12], the algorithm's name included (`sha256:f93c2`).
    ImageID: record.Image.slice(0, 12),
    ImageFullID: record.Image,
    ImageName: record.Config.Image,
    Hostname: hostname(),
    DaemonName: 'docker',
    ContainerID: record.Id,
    ContainerName: `/${record.Name}`,
    ContainerEntrypoint: record.Path,
    ContainerArgs: record.Args,
    ContainerImageID: record.Image,
    ContainerImageName: record.Config.Image,
    ContainerCreated: new GoTime(record.Created),
    ContainerEnv: record.Config.Env,
    ContainerLabels: record.Config.Labels ?? {},
    LogPath: record.LogPath,
    Config: record.HostConfig.LogConfig.Config,
  }
}

/** The container's tag: docker's ParseLogTag, its template run on a *logger.Info; '' when it has none. Throws TemplateError. */
function logTag(record: ContainerRecord): string {
  const template = record.HostConfig.LogConfig.Config.tag
  return template ? new Template(template, {name: 'log-tag'}).execute(asGoStruct(tagData(record), '*logger.Info')) : ''
}

/** The log options' regular expressions, compiled as Go's regexp.Compile (which throws). */
function attributePatterns(config: Record<string, string>): {labels?: RegExp; env?: RegExp} {
  return {
    ...(config['labels-regex'] ? {labels: goRegExp(config['labels-regex'])} : {}),
    ...(config['env-regex'] ? {env: goRegExp(config['env-regex'])} : {}),
  }
}

/**
 * docker's refusal of a start whose logger cannot work its attributes out (jsonfilelog.New, after
 * max-size, max-file and compress): a labels-regex or env-regex Go does not compile, then a tag
 * template that does not parse or names a field logger.Info lacks. The start's checkLogger adds
 * docker's `failed to initialize logging driver: `, and that the task could not be made.
 */
export function checkLogAttributes(record: ContainerRecord): void {
  attributePatterns(record.HostConfig.LogConfig.Config)
  logTag(record)
}

/** The attributes of the container's log entries, undefined when there are none. What fails is left out: checkLogAttributes refuses the start. */
export function logAttributes(record: ContainerRecord): Record<string, string> | undefined {
  const config = record.HostConfig.LogConfig.Config
  const labels = record.Config.Labels ?? {}
  const attrs: Record<string, string> = {}
  let patterns: ReturnType<typeof attributePatterns> = {}
  try {
    patterns = attributePatterns(config)
  } catch {
    // Refused at start.
  }
  for (const key of config.labels ? config.labels.split(',') : []) if (Object.hasOwn(labels, key)) attrs[key] = labels[key]!
  if (patterns.labels) for (const [key, value] of Object.entries(labels)) if (patterns.labels.test(key)) attrs[key] = value
  const env = new Map(record.Config.Env.flatMap((entry) => (entry.includes('=') ? [[entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const] : [])))
  for (const key of config.env ? config.env.split(',') : []) if (env.has(key)) attrs[key] = env.get(key)!
  if (patterns.env) for (const [key, value] of env) if (patterns.env.test(key)) attrs[key] = value
  let tag = ''
  try {
    tag = logTag(record)
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
  }
  if (tag !== '') attrs.tag = tag
  return Object.keys(attrs).length > 0 ? attrs : undefined
}
