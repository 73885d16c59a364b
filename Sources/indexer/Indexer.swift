import ArgumentParser

/// The `indexer` command: thin subcommands over the library layers.
@main
struct Indexer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indexer",
        abstract: "Build, merge and search content-addressed full-text indexes of web archives and sites.",
        subcommands: [
            BuildCommand.self,
            SearchCommand.self,
            MergeCommand.self,
            DiffCommand.self,
            KeygenCommand.self,
            StatsCommand.self,
            VerifyCommand.self,
            ExtractCommand.self,
            TreeCommand.self,
            CarCommand.self,
            ServeCommand.self,
            PublishCommand.self,
            GcCommand.self,
            HubCommand.self,
            AnalyzeCommand.self,
        ]
    )
}
