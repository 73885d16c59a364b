#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A copy of `utf8` with what would make libxml2 misbehave neutralised, or `nil` when the
/// bytes can be parsed as they are (the common case: no copy). See `limitAttributes`; also,
/// libxml2 guesses UTF-16/UCS-4 from NUL bytes among the first four, so those become spaces.
func sanitizedForLibxml2(_ utf8: UnsafeRawBufferPointer) -> [UInt8]? {
    var copy = limitAttributes(utf8)
    if utf8.prefix(4).contains(0) {
        if copy == nil { copy = Array(utf8) }
        for k in 0..<min(4, copy!.count) where copy![k] == 0 { copy![k] = 0x20 }
    }
    return copy
}

/// libxml2 2.9 checks each new attribute of a tag against all earlier ones, so a tag with k
/// distinct attributes costs O(k²): 20,000 attributes take 0.3 s, a few million take hours.
/// No real page has more than a few dozen per tag, so this prepass finds tags with more than
/// `maxAttributes` and blanks the excess (bytes become spaces, so libxml2 sees the tag end
/// where it would have). It tokenizes tags the way libxml2 does (quoted values may contain
/// `>`), so the limit cannot be dodged by quoting.
///
/// Returns `nil` when nothing needed blanking (the common case: no copy).
func limitAttributes(_ b: UnsafeRawBufferPointer, maxAttributes: Int = 512) -> [UInt8]? {
    let n = b.count
    guard let base = b.baseAddress else { return nil }
    var blanks = [Range<Int>]()
    var i = 0
    while i < n {
        // Text between tags is skipped with memchr (vectorised), tags are walked byte by byte.
        guard let lt = memchr(base + i, 0x3C, n - i) else { break }
        i = base.distance(to: UnsafeRawPointer(lt)) + 1
        guard i < n, isLetter(b[i]) else { continue }
        while i < n, !isBlank(b[i]), b[i] != 0x3E { i += 1 }  // element name
        var count = 0, excessStart = -1
        while i < n {
            while i < n, isBlank(b[i]) || b[i] == 0x2F { i += 1 }
            guard i < n, b[i] != 0x3E else { break }
            count += 1
            if count == maxAttributes + 1 { excessStart = i }
            while i < n, !isBlank(b[i]), b[i] != 0x3D, b[i] != 0x3E { i += 1 }  // name
            while i < n, isBlank(b[i]) { i += 1 }
            guard i < n, b[i] == 0x3D else { continue }
            i += 1
            while i < n, isBlank(b[i]) { i += 1 }
            guard i < n else { break }
            let q = b[i]
            if q == 0x22 || q == 0x27 {
                // The closing quote with memchr too: values (URLs, classes) are most of a tag.
                if let close = memchr(base + i + 1, Int32(q), n - i - 1) {
                    i = base.distance(to: UnsafeRawPointer(close)) + 1
                } else {
                    i = n + 1
                }
            } else {
                while i < n, !isBlank(b[i]), b[i] != 0x3E { i += 1 }
            }
        }
        if excessStart >= 0 { blanks.append(excessStart..<min(i, n)) }
    }
    guard !blanks.isEmpty else { return nil }
    var copy = Array(b)
    for r in blanks { for k in r { copy[k] = 0x20 } }
    return copy
}

@inline(__always) private func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }
@inline(__always) private func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
