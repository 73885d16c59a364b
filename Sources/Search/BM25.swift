import Index

/// BM25 (k1 = 1.2, b = 0.75) per field, with the title boosted. Lengths are the one-byte
/// quantized ones stored with each posting, so scores, bounds and exhaustive checks agree.
public struct BM25: Sendable {
    public static let k1 = 1.2
    public static let b = 0.75
    public static let titleBoost = 2.0

    /// Corpus statistics the scores use: documents and average field lengths.
    public let documents: Double
    public let averageLength: [Field: Double]

    /// `norm` per length code for body, title and any other field (average length 1).
    private let bodyNorms: [Double], titleNorms: [Double], otherNorms: [Double]

    public init(documents: UInt64, averageBody: Double, averageTitle: Double) {
        self.documents = Double(max(1, documents))
        averageLength = [.body: max(1, averageBody), .title: max(1, averageTitle)]
        func norms(_ average: Double) -> [Double] {
            (0...255).map { BM25.k1 * (1 - BM25.b + BM25.b * Double(LengthCode.decode(UInt8($0))) / average) }
        }
        bodyNorms = norms(max(1, averageBody))
        titleNorms = norms(max(1, averageTitle))
        otherNorms = norms(1)
    }

    /// BM25's length normalisation of `field` per length code (indexed by the code).
    public func norms(_ field: Field) -> [Double] { field == .body ? bodyNorms : field == .title ? titleNorms : otherNorms }

    /// The statistics of the documents a view holds (its trusted segments, tombstones removed).
    public init(view: IndexView) {
        self.init(documents: view.documentCount, averageBody: view.averageLength(.body), averageTitle: view.averageLength(.title))
    }

    public func idf(documentFrequency df: UInt64) -> Double {
        let n = Double(df)
        return log(1 + (documents - n + 0.5) / (n + 0.5))
    }

    public func boost(_ field: Field) -> Double { field == .title ? BM25.titleBoost : 1 }

    /// The score of one posting, given the term's weight (idf × field boost).
    @inline(__always)
    public func score(weight: Double, field: Field, tf: UInt32, lengthCode: UInt8) -> Double {
        BM25.score(weight: weight, tf: tf, norm: norms(field)[Int(lengthCode)])
    }

    /// The score of one posting given its field's `norm` for its length.
    @inline(__always)
    public static func score(weight: Double, tf: UInt32, norm: Double) -> Double {
        let t = Double(tf)
        return weight * t * (BM25.k1 + 1) / (t + norm)
    }

    /// The best score any posting summarized by `impacts` can reach.
    public func bound(weight: Double, field: Field, impacts: Impacts) -> Double {
        var best = 0.0
        for p in impacts.pairs { best = max(best, score(weight: weight, field: field, tf: p.tf, lengthCode: p.lengthCode)) }
        return best
    }
}

#if canImport(Glibc)
    import Glibc
#endif
