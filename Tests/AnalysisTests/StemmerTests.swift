import Foundation
import Testing
import TextTestSupport

@testable import Analysis

/// The stemmer must match PyPI `snowballstemmer` 3.1.1 (Snowball's own generated code) on
/// every word: here ~190,000 distinct lowercase words and identifiers drawn from the Python
/// standard library's sources, plus apostrophe forms and the algorithm's exception lists.
@Suite(.tags(.python), .needsExternalTools) struct StemmerTests {
    static let script = #"""
        import json, os, re, sys, sysconfig
        import snowballstemmer
        assert snowballstemmer.__version__ if hasattr(snowballstemmer, "__version__") else True
        words = set()
        root = sysconfig.get_paths()["stdlib"]
        for dp, dn, fn in os.walk(root):
            for f in sorted(fn):
                if f.endswith(".py"):
                    with open(os.path.join(dp, f), encoding="utf-8", errors="ignore") as h:
                        words.update(w for w in re.findall(r"[a-z']+", h.read().lower()) if len(w) <= 40)
        extra = ["skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only", "singly",
                 "sky", "news", "howe", "atlas", "cosmos", "bias", "andes", "inning", "outing", "canning", "herring",
                 "earring", "proceed", "exceed", "succeed", "generate", "communism", "arsenal", "past", "pasted",
                 "universal", "emergency", "interest", "later", "organization", "'tis", "john's", "students'",
                 "'quoted'", "yesterday", "youth", "sayings", "yy", "y", "ys", "'", "''", "a", "ab", "abc"]
        words = sorted(words | set(extra))
        stemmer = snowballstemmer.stemmer("english")
        json.dump([words, stemmer.stemWords(words)], sys.stdout)
        """#

    @Test func matchesSnowballStemmerExactly() throws {
        guard let out = PythonChecker.run(Self.script, input: Data()) else { return }
        let pair = try JSONDecoder().decode([[String]].self, from: out)
        let (words, stems) = (pair[0], pair[1])
        #expect(words.count > 100_000)
        var mismatches = [String]()
        for (w, want) in zip(words, stems) {
            let got = Analyzer.stem(w)
            if got != want { mismatches.append("\(w): \(got) ≠ \(want)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(20))")
    }
}
