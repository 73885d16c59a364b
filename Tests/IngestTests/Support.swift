import Support
import Testing
import TextTestSupport

@testable import Ingest

#if canImport(Glibc)
    import Glibc
#endif

/// The package root (the one `PythonChecker` finds).
let packageRoot = PythonChecker.packageRoot.path

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

func makeTempDir(_ tag: String) -> String {
    var template = Array("/tmp/indexer-\(tag)-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: p!)
}

/// Fixtures written by warcio (Corpora/fixtures/make_fixtures.py), made once per test run.
/// Tests that use them are tagged `.python`.
let fixtureDir: Result<String, TestFailure> = {
    do {
        let dir = makeTempDir("fixtures")
        _ = try PythonChecker.output(arguments: [packageRoot + "/Corpora/fixtures/make_fixtures.py", dir])
        return .success(dir)
    } catch {
        return .failure(TestFailure("cannot make the warcio fixtures: \(error)"))
    }
}()

func fixture(_ name: String) throws -> String { try fixtureDir.get() + "/" + name }

func readBytes(_ path: String) throws -> [UInt8] { try SiteFolder.readFile(path) }

func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw TestFailure("cannot write \(path)") }
    defer { close(fd) }
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
        guard n > 0 else { throw TestFailure("write failed") }
        off += n
    }
}

/// Test-only HTML step: the raw markup as text, the <title> as title. Tests that need real
/// extraction use HTMLText; these check framing, decoding and counting.
let rawHTML: HTMLExtraction = { b, _ in
    let s = String(decoding: b, as: UTF8.self)
    var title: String?
    if let open = s.firstRange(of: "<title>"), let close = s.firstRange(of: "</title>"), open.upperBound <= close.lowerBound {
        title = String(s[open.upperBound..<close.lowerBound])
    }
    return PageText(title: title, text: s, description: nil, lang: nil, links: [])
}

struct RunResult {
    var documents: [Document] = []
    var outcomes: [Outcome] = []
    var summary = IngestSummary()
}

/// Runs the whole pipeline over `sources` with `workers` threads.
func ingest(_ sources: [String], workers: Int = 2, baseURL: String? = nil, html: @escaping HTMLExtraction = rawHTML) throws -> RunResult {
    var r = RunResult()
    var pipeline = Pipeline(reader: SourceReader(baseURL: baseURL), builder: DocumentBuilder(html: html))
    pipeline.workers = workers
    pipeline.batchRecords = 7
    r.summary = try pipeline.run(
        sources, transform: { $0 },
        consume: { o in
            r.outcomes.append(o)
            if case .document(let d, _) = o { r.documents.append(d) }
        })
    return r
}

/// warcio's counts for a fixture (counts.json).
func warcioCounts(_ name: String) throws -> (documents: Int, types: [String: Int]) {
    let json = try JSON.parse(try readBytes(try fixture("counts.json")), options: .metadata)
    guard let entry = json[name], let docs = entry["documents"]?.number, case .object(let types)? = entry["types"] else {
        throw TestFailure("counts.json has no \(name)")
    }
    return (Int(docs), Dictionary(uniqueKeysWithValues: types.map { ($0.0, Int($0.1.number ?? 0)) }))
}
