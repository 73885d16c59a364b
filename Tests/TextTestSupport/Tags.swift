import Foundation
import Testing

/// What a test needs beyond the Swift toolchain and the C libraries, so a run can leave it out.
/// `make test` runs everything; `make check` sets `INDEXER_FAST=1`, which skips every test marked
/// `.needsExternalTools`. Each such test carries both: the tag says what it needs (Swift 6.3's
/// `swift test` cannot select by tag yet; later toolchains take `--skip tag:python`), the
/// condition does the skipping. A marked test that does run and finds its tool missing fails
/// rather than skipping: a checker that silently does not run proves nothing.
extension Tag {
    /// Runs the project venv's Python (`make setup` creates `.venv` with warcio, libipld & co)
    /// as an independent checker or fixture writer.
    @Tag public static var python: Self
    /// Starts Debian's stock nginx as a static server.
    @Tag public static var nginx: Self
    /// Drives Debian's headless Chromium.
    @Tag public static var chromium: Self
    /// Reads the real corpora `make corpora` builds under Corpora/build/ (skipped when absent).
    @Tag public static var corpora: Self
}

/// The test run's environment switches.
public enum TestEnvironment {
    /// `INDEXER_FAST=1` (set by `make check`): skip tests that need Python, nginx, Chromium or corpora.
    public static let fast: Bool = ProcessInfo.processInfo.environment["INDEXER_FAST"] == "1"
}

extension Trait where Self == ConditionTrait {
    /// Skips the test or suite under `INDEXER_FAST=1`; pair it with the tag naming what it needs.
    public static var needsExternalTools: Self {
        .enabled(if: !TestEnvironment.fast, "needs Python, nginx, Chromium or corpora; INDEXER_FAST=1 skips it")
    }
}
