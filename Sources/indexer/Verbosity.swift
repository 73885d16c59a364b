import ArgumentParser

/// `--quiet` and `--verbose`, shared by the commands that run long (build, extract, merge,
/// join, compact, publish, serve, verify, diff). Results still go to stdout and errors (with what was skipped, the
/// reason for exit status 3) to stderr either way; the flags only set how much else is said.
struct Verbosity: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only errors and what was skipped: no progress, no summary.")
    var quiet = false
    @Flag(name: .shortAndLong, help: "Print more: each source or input as it is done, and full detail.")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be combined") }
    }

    /// A summary line on stderr, unless `--quiet`.
    func note(_ message: String) {
        if !quiet { printError(message) }
    }

    /// A detail line on stderr, only with `--verbose`.
    func detail(_ message: String) {
        if verbose { printError(message) }
    }

    /// Whether a progress line may be drawn: stderr is a terminal and not `--quiet`.
    var showsProgress: Bool { stderrIsTerminal && !quiet }
}
