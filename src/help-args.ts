/**
 * A command's arguments as its help shows them (the help class and the README's command reference).
 * oclif marks every argument of a command that takes extra words (strict: false) as repeatable
 * (`run IMAGE... [COMMAND...]`); only the last one takes them, as docker's usage says
 * (`run IMAGE [COMMAND] [ARG...]`, `kill CONTAINER [CONTAINER...]`). A hidden last argument stands
 * for extra words a command ignores (import's, as docker's), so no shown one repeats.
 */
export function helpArgs<Arg extends {multiple?: boolean}>(args: Record<string, Arg>, strict: boolean | undefined): Record<string, Arg> {
  const names = Object.keys(args)
  const last = names.at(-1)
  if (strict !== false || last === undefined) return args
  return {...args, [last]: {...args[last], multiple: true}}
}
