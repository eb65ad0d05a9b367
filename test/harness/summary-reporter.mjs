// node:test reporter printing one plain line at the end of the run: `N passed, N failed, N skipped`.
// Suites (describe blocks) are not counted, only tests; todo tests count as skipped, cancelled ones
// (a timeout, a parent's failure) as failed.
export default async function* summaryReporter(source) {
  let passed = 0
  let failed = 0
  let skipped = 0
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.details?.type === 'suite') continue
    if (event.data.skip !== undefined || event.data.todo !== undefined) skipped += 1
    else if (event.type === 'test:pass') passed += 1
    else failed += 1
  }
  yield `${passed} passed, ${failed} failed, ${skipped} skipped\n`
}
