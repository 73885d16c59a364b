/// The shape the Index layer's `TermAnalyzer` protocol asks for, so that the conformance is one
/// line (`extension Analyzer: TermAnalyzer {}`) in a module that imports both. These allocate;
/// the index builder's hot loop should prefer `analyze(_:stemming:into:)` with a reused
/// `TermBuffer`, whose `length` is the field length (compounds share positions, so it is less
/// than the number of terms).
extension Analyzer {
    /// `Analyzer.identifier`.
    public var identifier: String { Self.identifier }

    /// Index terms of `text` in order with their positions, stemmed per `language`.
    public func terms(_ text: String, language: String?) -> [(term: String, position: UInt32)] {
        var buffer = TermBuffer()
        analyze(text, stemming: Stemming(language: language), into: &buffer)
        return (0..<buffer.count).map { (buffer.term($0), UInt32(clamping: Int(buffer.positions[$0]))) }
    }

    /// Terms of a URL for the `url` field (see `Analyzer.urlTerms(_:)`).
    public func urlTerms(_ url: String) -> [String] { Self.urlTerms(url).map(\.term) }

    /// A hashtag, mention or similar value folded for exact matching (see `fieldValueTerm`).
    public func keyword(_ text: String) -> String { Self.fieldValueTerm(text) }
}
