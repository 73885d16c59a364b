import ArgumentParser
import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard error (summaries and diagnostics; stdout carries results).
func printError(_ message: String, newline: Bool = true) {
    var line = message
    if newline { line.append("\n") }
    line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}

/// True when standard error is a terminal, so progress lines may be drawn.
var stderrIsTerminal: Bool { isatty(2) != 0 }
var stdoutIsTerminal: Bool { isatty(1) != 0 }

/// Standard input, whole.
func readAllStandardInput() -> [UInt8] {
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress!, $0.count) }
        if n <= 0 { break }
        out.append(contentsOf: chunk[0..<n])
    }
    return out
}

/// The skipped and repaired records a summary lists, and how many more it only counted (by
/// reason, above): printed even with `--quiet`, as they are why the exit status is 3 or 2.
func printSkips(_ s: IngestSummary) {
    for k in s.skipped { printError("skipped \(k)") }
    if s.skippedNotListed > 0 {
        printError("… and \(s.skippedNotListed) more skipped records, not listed (counted by reason above)")
    }
    for r in s.repaired { printError("repaired \(r)") }
    if s.repairedNotListed > 0 {
        printError("… and \(s.repairedNotListed) more repaired records, not listed (counted by repair above)")
    }
}

/// Exit status of a command that read sources: 1 when one could not be read at all, 3 when a
/// record was skipped (something lost), 2 when every record was kept but some were repaired.
func ingestExitStatus(_ s: IngestSummary) -> ExitCode? {
    if !s.failed.isEmpty { return .failure }
    if s.skippedCount > 0 { return ExitCode(3) }
    if s.repairedCount > 0 { return ExitCode(2) }
    return nil
}
