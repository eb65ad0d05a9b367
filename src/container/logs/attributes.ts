/**
 * docker's `attrs` of json-file entries (logger.Info.ExtraAttributes and ParseLogTag): the
 * container's labels named by the `labels` log option or matching `labels-regex`, its environment
 * variables named by `env` or matching `env-regex`, and `tag`, a Go template over the container
 * (`{{.Name}}`, `{{.ID}}`, `{{.ImageName}}`, …). Worked out in nerd's process, since the logger must
 * not load the template engine; labels and variables are fixed at create, and the tag follows a
 * rename. docker's logger works the tag out as it starts: a template that fails fails each start
 * (checkLogTag), not the create.
 */
import {hostname} from 'node:os'
import {NerdError} from '../../errors.ts'
import {asGoStruct} from '../../format/go-values.ts'
import {Template, TemplateError} from '../../format/template.ts'
import type {ContainerRecord} from '../model.ts'

/** What docker's logger.Info offers a tag template, methods as the values they return. */
function tagData(record: ContainerRecord): Record<string, unknown> {
  const imageId = record.Image.slice(record.Image.indexOf(':') + 1)
  return {
    ID: record.Id.slice(0, 12),
    FullID: record.Id,
    Name: record.Name,
    Command: [record.Path, ...record.Args].join(' '),
    ImageID: imageId.slice(0, 12),
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

/** docker's refusal of a start whose logger cannot work the tag out (a template that does not parse, a field logger.Info lacks): the start adds that the task could not be made. */
export function checkLogTag(record: ContainerRecord): void {
  try {
    logTag(record)
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
    throw new NerdError(`failed to initialize logging driver: ${error.message}`, {cause: error})
  }
}

/** The attributes of the container's log entries, undefined when there are none. A tag that fails is left out: checkLogTag refuses its start. */
export function logAttributes(record: ContainerRecord): Record<string, string> | undefined {
  const config = record.HostConfig.LogConfig.Config
  const labels = record.Config.Labels ?? {}
  const attrs: Record<string, string> = {}
  for (const key of config.labels ? config.labels.split(',') : []) if (Object.hasOwn(labels, key)) attrs[key] = labels[key]!
  if (config['labels-regex']) {
    const pattern = new RegExp(config['labels-regex'])
    for (const [key, value] of Object.entries(labels)) if (pattern.test(key)) attrs[key] = value
  }
  const env = new Map(record.Config.Env.flatMap((entry) => (entry.includes('=') ? [[entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const] : [])))
  for (const key of config.env ? config.env.split(',') : []) if (env.has(key)) attrs[key] = env.get(key)!
  if (config['env-regex']) {
    const pattern = new RegExp(config['env-regex'])
    for (const [key, value] of env) if (pattern.test(key)) attrs[key] = value
  }
  let tag = ''
  try {
    tag = logTag(record)
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error
  }
  if (tag !== '') attrs.tag = tag
  return Object.keys(attrs).length > 0 ? attrs : undefined
}
