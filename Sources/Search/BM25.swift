import Index

/// BM25 (k1 = 1.2, b = 0.75) per field, with the title boosted. Lengths are the one-byte
/// quantized ones stored with each posting, so scores, bounds and exhaustive checks agree.
package struct BM25: Sendable {
    package static let k1 = 1.2
    package static let b = 0.75
    package static let titleBoost = 2.0

    /// Corpus statistics the scores use: documents and average field lengths.
    package let documents: Double
    package let averageLength: [Field: Double]

    package init(documents: UInt64, averageBody: Double, averageTitle: Double) {
        self.documents = Double(max(1, documents))
        averageLength = [.body: max(1, averageBody), .title: max(1, averageTitle)]
    }

    package init(shard: Shard) {
        self.init(documents: shard.documentCount, averageBody: shard.averageLength(.body), averageTitle: shard.averageLength(.title))
    }

    package func idf(documentFrequency df: UInt64) -> Double {
        let n = Double(df)
        return log(1 + (documents - n + 0.5) / (n + 0.5))
    }

    package func boost(_ field: Field) -> Double { field == .title ? BM25.titleBoost : 1 }

    /// The score of one posting, given the term's weight (idf × field boost).
    @inline(__always)
    package func score(weight: Double, field: Field, tf: UInt32, lengthCode: UInt8) -> Double {
        let t = Double(tf)
        let length = Double(LengthCode.decode(lengthCode))
        let norm = BM25.k1 * (1 - BM25.b + BM25.b * length / (averageLength[field] ?? 1))
        return weight * t * (BM25.k1 + 1) / (t + norm)
    }

    /// The best score any posting summarized by `impacts` can reach.
    package func bound(weight: Double, field: Field, impacts: Impacts) -> Double {
        var best = 0.0
        for p in impacts.pairs { best = max(best, score(weight: weight, field: field, tf: p.tf, lengthCode: p.lengthCode)) }
        return best
    }
}

#if canImport(Glibc)
    import Glibc
#endif
