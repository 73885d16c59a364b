import Testing
import TextTestSupport

@testable import Analysis

/// Terms only, as `term@position`, `+` marking compounds and `²` bigrams (Token.description).
func terms(_ text: String, _ language: String? = nil) -> [String] {
    Analyzer().analyze(text, language: language).map(\.description)
}

func plainTerms(_ text: String, _ language: String? = "xx") -> [String] {
    Analyzer().analyze(text, language: language).map(\.term)
}

@Suite struct AnalyzerTests {
    @Test func identifierIsVersioned() {
        #expect(Analyzer.identifier == "indexer-std/2")
        #expect(unicodeTablesVersion == "14.0.0")
    }

    @Test func wordsPositionsAndStemming() {
        #expect(terms("The runners were RUNNING, quickly!") == ["the@0", "runner@1", "were@2", "run@3", "quick@4"])
        #expect(terms("a an of") == ["a@0", "an@1", "of@2"])  // stop words are kept
    }

    @Test(arguments: [nil, "", "und", "en-GB", "EN_us"] as [String?])
    func stemmingForEnglishOrUnknown(_ language: String?) {
        #expect(plainTerms("running generously", language) == ["run", "generous"])
    }

    @Test(arguments: ["fr", "de-AT"])
    func noStemmingForOtherLanguages(_ language: String) {
        #expect(plainTerms("running generously", language) == ["running", "generously"])
    }

    @Test func onlyASCIILetterWordsAreStemmed() {
        // Digits and other scripts are left alone.
        #expect(plainTerms("mp3s ελληνικές runs", nil) == ["mp3s", "ελληνικεσ", "run"])
    }

    @Test(arguments: [
        ("Ünïcödé NAÏVE café Straße", ["unicode", "naive", "cafe", "strasse"]),
        ("ÆØÅ Œuvre Þing Łódź Đà İstanbul ı", ["aeoa", "oeuvre", "thing", "lodz", "da", "istanbul", "i"]),
        ("ﬁnance ＦＵＬＬ１２３ 𝐁𝐨𝐥𝐝 ⅷ", ["finance", "full123", "bold", "viii"]),
        ("ΣΊΣΥΦΟΣ Ελληνικά", ["σισυφοσ", "ελληνικα"]),
        ("Ёжик йод Йогурт", ["ежик", "йод", "йогурт"]),  // ё → е, й kept
        ("٣٤ ۵ १२", ["34", "5", "12"]),  // digits of any script
        ("e\u{301}te\u{301}", ["ete"]),  // decomposed input folds the same
        ("שָׁלוֹם مَرْحَبًا", ["שלום", "مرحبا"]),  // Hebrew points, Arabic harakat
        ("हिन्दी", ["हिन्दी"]),  // Indic vowel signs are letters, not diacritics
        ("soft\u{AD}hyphen zero\u{200D}width", ["softhyphen", "zerowidth"]),
        ("x² ① ½", ["x"]),  // superscripts and circled numbers are symbols
    ])
    func caseAndDiacriticFolding(_ text: String, _ expected: [String]) {
        #expect(plainTerms(text) == expected)
    }

    @Test func apostrophes() {
        #expect(plainTerms("don't don’t rock'n'roll 'quoted' students' '90s") == ["dont", "dont", "rocknroll", "quoted", "students", "90s"])
        #expect(plainTerms("john's", nil) == ["john"])
    }

    @Test(arguments: [
        ("std::vec", ["stdvec@0+", "std@0", "vec@1"]),
        ("x86_64 linux", ["x8664@0+", "x86@0", "64@1", "linux@2"]),
        ("3.14 10,000", ["314@0+", "3@0", "14@1", "10000@2+", "10@2", "000@3"]),
        ("C++ and C# F#", ["c++@0+", "c@0", "and@1", "c#@2+", "c@2", "f#@3+", "f@3"]),
        ("e\u{2010}mail", ["email@0+", "e@0", "mail@1"]),
        // Not joiners: doubled, spaced, trailing or leading punctuation; single colons; commas between words.
        ("a--b c - d end. next -e f, g key:value", ["a@0", "b@1", "c@2", "d@3", "end@4", "next@5", "e@6", "f@7", "g@8", "key@9", "valu@10"]),
        ("c+++ a++b x##", ["c@0", "a@1", "b@2", "x@3"]),
    ])
    func identifiersKeepPartsAndCatenation(_ text: String, _ expected: [String]) {
        #expect(terms(text) == expected)
    }

    /// The same in a language that is not stemmed (`xx`).
    @Test(arguments: [
        ("UTF-8 utf8", ["utf8@0+", "utf@0", "8@1", "utf8@2"]),
        ("node.js", ["nodejs@0+", "node@0", "js@1"]),
        ("std::collections::HashMap::new", ["stdcollectionshashmapnew@0+", "std@0", "collections@1", "hashmap@2", "new@3"]),
    ])
    func identifiersInAnUnstemmedLanguage(_ text: String, _ expected: [String]) {
        #expect(terms(text, "xx") == expected)
    }

    @Test func identifierCatenationIsStemmedLikeAWord() {
        // `e-mails` must meet the query `emails` (stemmed to `email`).
        #expect(terms("e-mails") == ["email@0+", "e@0", "mail@1"])
        #expect(plainTerms("emails", nil) == ["email"])
    }

    @Test func tooManyPartsGiveNoCatenation() {
        let text = (1...20).map(String.init).joined(separator: ".")
        let t = Analyzer().analyze(text, language: nil)
        #expect(t.allSatisfy { $0.kind == .word })
        #expect(t.map(\.term) == (1...20).map(String.init))
        #expect(t.map(\.position) == Array(0..<20))
    }

    @Test func longTermsAreDroppedButKeepTheirPosition() {
        let long = String(repeating: "x", count: 65)
        #expect(terms("a \(long) b") == ["a@0", "b@2"])
        #expect(terms("a-\(long)-b") == ["a@0", "b@2"])  // no catenation either
        let sixtyFour = String(repeating: "y", count: 64)
        #expect(plainTerms(sixtyFour) == [sixtyFour])
        // Folding can lengthen a word past the limit (ß → ss).
        #expect(plainTerms(String(repeating: "ß", count: 33)) == [])
    }

    @Test(arguments: [
        ("東京都", ["東京@0²", "京都@1²"]),
        ("日 本", ["日@0²", "本@1²"]),
        ("iPhone用ケース", ["iphon@0", "用ケ@1²", "ケー@2²", "ース@3²"]),
        ("ｶﾀｶﾅ", ["カタ@0²", "タカ@1²", "カナ@2²"]),  // halfwidth → fullwidth
        ("한국어 텍스트", ["한국@0²", "국어@1²", "텍스@2²", "스트@3²"]),
        ("ภาษา", ["ภา@0²", "าษ@1²", "ษา@2²"]),
        ("東京、大阪。", ["東京@0²", "大阪@1²"]),  // CJK punctuation separates
        ("word東京word", ["word@0", "東京@1²", "word@2"]),
    ])
    func cjkAndOtherUnspacedScriptsAreBigrams(_ text: String, _ expected: [String]) {
        #expect(terms(text) == expected)
    }

    @Test func malformedBytesAreSeparators() {
        var buffer = TermBuffer()
        let bytes: [UInt8] = Array("ab".utf8) + [0xFF, 0xC3] + Array("cd".utf8) + [0xE2, 0x82] + Array("ef".utf8) + [0xF0]
        bytes.withUnsafeBytes { Analyzer().analyze($0, stemming: .none, into: &buffer) }
        #expect((0..<buffer.count).map(buffer.term) == ["ab", "cd", "ef"])
    }

    @Test func termBufferMatchesTokensAndContinuesPositions() {
        var buffer = TermBuffer()
        let analyzer = Analyzer()
        analyzer.analyze("std::vec runs", stemming: .english, into: &buffer)
        #expect(buffer.length == 3)
        analyzer.analyze("東京都 again", stemming: .english, into: &buffer)
        #expect(buffer.length == 6)
        let got = (0..<buffer.count).map { "\(buffer.term($0))@\(buffer.positions[$0])" }
        #expect(got == ["stdvec@0", "std@0", "vec@1", "run@2", "東京@3", "京都@4", "again@5"])
        #expect(buffer.kinds == [.compound, .word, .word, .word, .bigram, .bigram, .word])
        buffer.removeAll()
        #expect(buffer.count == 0 && buffer.length == 0 && buffer.bytes.isEmpty)
    }

    @Test func queriesGetBothForms() {
        let q = Analyzer().analyzeQuery("Running std::vec")
        #expect(q.map(\.stemmed) == ["run", "stdvec", "std", "vec"])
        #expect(q.map(\.unstemmed) == ["running", "stdvec", "std", "vec"])
        #expect(q.map(\.position) == [0, 1, 1, 2])
    }

    /// The decoded tables (classes, folds, fold bytes, supplementary runs and folds), hashed
    /// (FNV-1a, little-endian words): the digest of the tables as they were written one entry per
    /// scalar, so a change to how UnicodeTables.swift is written (runs, gaps) must decode to the
    /// same tables. A digest of every scalar's class and fold through `scalarClass`/`fold` agreed too.
    @Test func scalarTablesDecodeToTheSameTables() {
        let t = ScalarTables.shared
        var h: UInt64 = 1_469_598_103_934_665_603
        func mix(_ v: UInt32) {
            for s in stride(from: 0, to: 32, by: 8) { h = (h ^ UInt64(UInt8(truncatingIfNeeded: v >> UInt32(s)))) &* 1_099_511_628_211 }
        }
        for c in t.bmpClass { mix(UInt32(c)) }
        for f in t.bmpFold { mix(f) }
        for b in t.pool { mix(UInt32(b)) }
        for (s, c) in zip(t.supplementaryStarts, t.supplementaryClasses) { mix(s); mix(UInt32(c)) }
        for (k, f) in zip(t.supplementaryFoldScalars, t.supplementaryFolds) { mix(k); mix(f) }
        #expect(t.pool.count == 13699)
        #expect(t.supplementaryFolds.count == 2478 && t.supplementaryFoldScalars.count == 2478)
        #expect(h == 902_479_086_661_208_700)
    }

    @Test(arguments: [
        ("Über", "uber"),
        ("running", "running"),  // never stemmed
        ("std::ve", "stdve"),
        ("東京都", "東京都"),
        ("日", "日"),
        ("!!", ""),
    ])
    func prefixFolding(_ prefix: String, _ folded: String) {
        #expect(Analyzer.foldForPrefix(prefix) == folded)
    }
}

@Suite struct SpanTests {
    func show(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        return Analyzer().spans(text, stemming: .english).map {
            "\($0.term)=" + String(decoding: bytes[$0.utf8Range], as: UTF8.self)
        }
    }

    @Test func spansCoverTheSourceOfEachTerm() {
        #expect(show("Running std::vec, don't!") == ["run=Running", "stdvec=std::vec", "std=std", "vec=vec", "dont=don't"])
        #expect(show("Café C++ 東京都 x") == ["cafe=Café", "c++=C++", "c=C", "東京=東京", "京都=京都", "x=x"])
        #expect(show("日") == ["日=日"])
    }

    @Test func everySpanAnalyzesBackToItsTerm() {
        var rng = SplitMix64(seed: 11)
        let pieces = [
            "Word", "runs", "std::vec", "x86_64", "UTF-8", "c++", "don’t", "東京都", "ｶﾀｶﾅ", "ÆØ", "e\u{301}", " ", ".",
            "-", "#", "@", "\u{AD}", "😀", String(repeating: "z", count: 70), "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17",
        ]
        let analyzer = Analyzer()
        for _ in 0..<500 {
            let text = (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined()
            let bytes = Array(text.utf8)
            let spans = analyzer.spans(text, stemming: .english)
            #expect(spans.map(\.term) == analyzer.tokens(text, stemming: .english).map(\.term))
            for s in spans where s.kind != .compound || s.utf8Range.count > 0 {
                let piece = String(decoding: bytes[s.utf8Range], as: UTF8.self)
                let again = analyzer.tokens(piece, stemming: .english)
                #expect(again.first?.term == s.term, "\(s) from \(piece.debugDescription) in \(text.debugDescription)")
            }
        }
    }
}
