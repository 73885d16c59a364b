import Foundation
import FuzzTargets
import Testing
import TextTestSupport

/// Replays the libFuzzer corpus and crashers kept under Tests/FuzzCorpus/TARGET/ (seeds from
/// real files, inputs `make fuzz` found new coverage with, and every crasher it found, named
/// `crash-*`) through the same targets the `fuzz-*` executables run: each must return.
/// A crasher that still traps ends this test process, which fails the run.
@Suite struct FuzzCorpusTests {
    static let root = PythonChecker.packageRoot.appendingPathComponent("Tests/FuzzCorpus").path

    static func inputs(_ target: String) -> [String] {
        let dir = root + "/" + target
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { dir + "/" + $0 }
    }

    @Test(arguments: FuzzTargets.all.map(\.name)) func replaysTheKeptCorpus(_ target: String) throws {
        let run = try #require(FuzzTargets.all.first { $0.name == target }?.run)
        let files = Self.inputs(target)
        #expect(!files.isEmpty, "Tests/FuzzCorpus/\(target) should hold seeds (make fuzz-seeds)")
        for f in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: f))
            data.withUnsafeBytes { run($0) }
        }
    }
}
