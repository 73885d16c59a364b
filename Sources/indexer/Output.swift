#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to standard error (summaries and diagnostics; stdout carries results).
func printError(_ message: String) {
    var line = message
    line.append("\n")
    line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}

/// True when standard error is a terminal, so progress lines may be drawn.
var stderrIsTerminal: Bool { isatty(2) != 0 }
var stdoutIsTerminal: Bool { isatty(1) != 0 }
