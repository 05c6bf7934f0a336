import ArgumentParser

struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin",
        abstract: "Work on a plugin of your own.",
        subcommands: [PluginNewCommand.self])
}
