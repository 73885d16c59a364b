/// A command that ran and could not finish: ArgumentParser prints it as one `Error: …` line and
/// exits with status 1. Malformed flags and arguments stay `ValidationError` (usage text, status
/// 64); throwing that for a runtime failure would print usage after it and say the wrong thing.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String

    init(_ message: String) { description = message }
}
