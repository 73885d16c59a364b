/// Writes JSON text as it goes, members in the order written (for JSON lines, where building
/// a `JSON` value per document would cost more than the document). Strings are escaped by
/// `JSON.appendQuoted`, the same as every other writer.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []
    private var pendingKey = false

    public init() { bytes.reserveCapacity(512) }

    private mutating func separate() {
        if let last = needsComma.last {
            if last { bytes.append(0x2C) }
            needsComma[needsComma.count - 1] = true
        }
    }

    /// Writes `"name":` inside an object; the value written next belongs to it.
    public mutating func key(_ name: String) {
        separate()
        JSON.appendQuoted(name, to: &bytes)
        bytes.append(0x3A)
        needsComma[needsComma.count - 1] = false
        pendingKey = true
    }

    private mutating func beforeValue() {
        if pendingKey {
            pendingKey = false
            needsComma[needsComma.count - 1] = true
        } else {
            separate()
        }
    }

    public mutating func string(_ s: String) { beforeValue(); JSON.appendQuoted(s, to: &bytes) }
    public mutating func number(_ n: Int64) { beforeValue(); bytes.append(contentsOf: Array(String(n).utf8)) }
    /// A number the caller has already formatted as a JSON number (`1.70`, `8.21427`): for
    /// fixed precision, which the shortest round-trip form of a `Double` does not give.
    public mutating func number(formatted text: String) { beforeValue(); bytes.append(contentsOf: Array(text.utf8)) }
    public mutating func bool(_ v: Bool) { beforeValue(); bytes.append(contentsOf: Array((v ? "true" : "false").utf8)) }
    public mutating func null() { beforeValue(); bytes.append(contentsOf: Array("null".utf8)) }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        beforeValue()
        bytes.append(0x7B)
        needsComma.append(false)
        body(&self)
        bytes.append(0x7D)
        needsComma.removeLast()
    }

    public mutating func array(_ body: (inout JSONWriter) -> Void) {
        beforeValue()
        bytes.append(0x5B)
        needsComma.append(false)
        body(&self)
        bytes.append(0x5D)
        needsComma.removeLast()
    }
}
