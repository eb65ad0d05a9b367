// @ts-check
// A command the plugin adds, under its own topic: `nerd example hello [NAME]`. The plugin has no
// dependency of its own: oclif hands it the Command class of the nerd that loads it.
export default class Hello {
  static description = 'Say hello from nerd-plugin-example'
  static args = {name: {name: 'name', description: 'Who to greet', required: false}}

  /** @param {string[]} argv */
  static async run(argv) {
    process.stdout.write(`hello ${argv[0] ?? 'from nerd-plugin-example'}\n`)
  }
}
