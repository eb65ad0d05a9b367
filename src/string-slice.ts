/**
 * The values of a flag docker declares with pflag's StringSliceVar (`network create --subnet`,
 * `network connect --alias`): each value is a comma-separated list, and an empty one adds nothing
 * (run's `--network-alias` is no such flag).
 */
export function commaSeparated(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => (value === '' ? [] : value.split(',')))
}
