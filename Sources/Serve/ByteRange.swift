/// One `Range: bytes=…` request header, resolved against a body's length (RFC 9110 §14).
/// Only single ranges are honoured; a multi-range request is answered with the whole body,
/// which the RFC allows.
enum ByteRange: Equatable {
    /// No usable Range header: send everything (200).
    case whole
    /// Send these bytes (206 with Content-Range).
    case part(Range<Int>)
    /// Nothing of the body is in the range (416).
    case unsatisfiable

    init(header: String?, length: Int) {
        guard let header, header.hasPrefix("bytes="), !header.contains(",") else { self = .whole; return }
        let spec = header.dropFirst(6).trimmingSpaces
        guard let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // Suffix: the last N bytes.
            guard let n = Int(last), n >= 0 else { self = .whole; return }
            self = n == 0 || length == 0 ? .unsatisfiable : .part(max(0, length - n)..<length)
            return
        }
        guard let a = Int(first), a >= 0 else { self = .whole; return }
        let b: Int
        if last.isEmpty {
            b = length - 1
        } else {
            guard let e = Int(last), e >= a else { self = .whole; return }
            b = min(e, length - 1)
        }
        self = a >= length ? .unsatisfiable : .part(a..<(b + 1))
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
