import ArgumentParser
import Support

/// The `indexer` command: thin subcommands over the library layers.
@main
struct Indexer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indexer",
        abstract: "Build, merge and search content-addressed full-text indexes of web archives and sites.",
        discussion: """
            Exit status: 0 success; 1 failed (one `Error:` line says what and where); 2 (build, \
            extract) finished and kept every record, but repaired some (listed on stderr with file \
            and offset); 3 finished but skipped something (damaged records, listed on stderr with file and offset); 64 a \
            malformed command line or query (printed with the usage, or the query with a caret).
            """,
        version: IndexerVersion.current,
        subcommands: [
            BuildCommand.self,
            SearchCommand.self,
            MergeCommand.self,
            JoinCommand.self,
            CompactCommand.self,
            DiffCommand.self,
            ThreadCommand.self,
            FacetsCommand.self,
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
