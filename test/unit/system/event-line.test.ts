import assert from 'node:assert/strict'
import {it} from 'node:test'

// Go loads the local zone once, from $TZ: this file runs in its own process.
process.env.TZ = 'Europe/Berlin'
const {eventLine} = await import('../../../src/system/events.ts')

it("prints an event's time in the local zone to the nanosecond, as docker's prettyPrintEvent", () => {
  const event = {
    Status: 'start', ID: 'c1', From: 'busybox', Type: 'container', Action: 'start', Actor: {ID: 'c1', Attributes: {name: 'web'}}, Scope: 'local',
    Time: 1795414339, TimeNano: 1795414339070624384n,
  } as const
  assert.equal(eventLine(event), '2026-11-23T07:12:19.070624384+01:00 container start c1 (name=web)')
})
