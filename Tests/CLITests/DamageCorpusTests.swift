import Foundation
import Testing
import TextTestSupport

/// The damage corpus (issue 10): Corpora/fixtures/make_damage.py damages warcio's WARC and
/// WARC.gz, the demo corpus and a `wacz create` WACZ one way per case (seeded), and
/// check_damage.py runs `indexer extract --memory-mb 64` on each as a child process, comparing
/// with the clean source's documents and measuring the child with wait4's rusage. One property
/// per damage class: every record the damage did not touch comes out unchanged (url, title,
/// digest, text); every touched one is reported with its file and an offset inside it, as
/// skipped or (a wrong Content-Length, whose record comes out unchanged) as repaired; no junk
/// becomes a document; the exit status says whether anything was skipped (3) or only repaired
/// (2); and CPU and peak memory stay under generous ceilings.
@Suite(.tags(.python), .needsExternalTools) struct DamageCorpusTests {
    /// Ceilings, not timings: the debug binary on the small corpus takes about 0.04 s a case and
    /// 2.3 s for the largest bomb (8 MiB of version lines), and peaks near 35 MiB; a quadratic
    /// rescan (88 s before issue 10's fixes) or a bomb held in memory would pass them.
    static let maxCPUSeconds = 20.0
    static let maxRSSKiB = 160 * 1024

    struct Case: Decodable {
        var name: String
        var `class`: String
        var exit: Int32
        var expectedExit: Int32
        var documents: Int
        var lost: [String]
        var altered: [String]
        var unreported: [String]
        var unexpected: [String]
        var cpuSeconds: Double
        var maxRSSKiB: Int
    }

    static let script = CLI.packageRoot.appendingPathComponent("Corpora/fixtures").path

    /// The corpus, made once per test run.
    static let corpus: Result<String, CLIError> = {
        do {
            let dir = CLI.temp("damage")
            _ = try PythonChecker.output(arguments: [script + "/make_damage.py", dir, "--seed", "10", "--per-class", "4"])
            return .success(dir)
        } catch {
            return .failure(CLIError(message: "damage corpus: \(error)"))
        }
    }()

    /// Its check (about 30 s of the debug binary).
    static let results: Result<[Case], CLIError> = {
        do {
            let dir = try corpus.get()
            let out = try PythonChecker.output(arguments: [script + "/check_damage.py", try CLI.binary, dir, "--memory-mb", "64"])
            struct Report: Decodable { var cases: [Case] }
            return .success(try JSONDecoder().decode(Report.self, from: out).cases)
        } catch {
            return .failure(CLIError(message: "damage corpus: \(error)"))
        }
    }()

    static let classes = [
        "bitflip", "truncate", "length-short", "length-long", "missing-gzip-member", "warc-type", "leading-junk", "version-lines",
        "huge-header", "bad-digest", "gzip-bomb", "odd-charset", "wacz-bitflip", "wacz-truncate", "central-directory",
        "overlapping-entries", "zip-bomb",
    ]

    @Test(arguments: classes) func nothingUntouchedIsLostAndEveryDamageIsReported(_ damageClass: String) throws {
        let cases = try Self.results.get().filter { $0.class == damageClass }
        #expect(cases.count == 4, "the generator wrote no \(damageClass) cases")
        for c in cases {
            #expect(c.lost.isEmpty, "\(c.name): untouched documents lost or changed: \(c.lost)")
            #expect(c.altered.isEmpty, "\(c.name): damaged documents indexed: \(c.altered)")
            #expect(c.unreported.isEmpty, "\(c.name): damage not reported: \(c.unreported)")
            #expect(c.unexpected.isEmpty, "\(c.name): documents out of junk: \(c.unexpected)")
            #expect(c.exit == c.expectedExit, "\(c.name): exit \(c.exit), expected \(c.expectedExit)")
            #expect(c.documents > 0, "\(c.name): no document at all")
            #expect(c.cpuSeconds <= Self.maxCPUSeconds, "\(c.name): \(c.cpuSeconds) s of CPU")
            #expect(c.maxRSSKiB <= Self.maxRSSKiB, "\(c.name): peak RSS \(c.maxRSSKiB) KiB")
        }
    }

    /// `--no-digest-check` trusts the digests: the record whose block digest was damaged is
    /// indexed, and nothing is reported.
    @Test func noDigestCheckTrustsTheDigests() throws {
        let bad = try Self.corpus.get() + "/cases/bad-digest-0.warc"
        let checked = try CLI.run(["extract", "--quiet", bad])
        let trusted = try CLI.run(["extract", "--quiet", "--no-digest-check", bad])
        #expect(checked.status == 3 && trusted.status == 0, "\(checked.stderr) \(trusted.stderr)")
        let count = { (s: String) in s.split(separator: "\n").count }
        #expect(count(trusted.stdout) == count(checked.stdout) + 1)
        #expect(count(trusted.stdout) == 50)
    }
}
