/// A binary min-heap: `top` is the least element under `<`. Push and pop are O(log n);
/// `init(_:)` heapifies in O(n). Inlinable, so each element type gets a specialized copy
/// (the k-way run merge and the top-k of a search run it once per entry or candidate).
///
/// To order by something else, wrap the element in a small `Comparable` struct whose `<` is
/// the order wanted (a top-k keeps the worst kept item on top).
public struct BinaryHeap<Element: Comparable> {
    @usableFromInline var storage: [Element]

    @inlinable
    public init(_ elements: [Element] = []) {
        storage = elements
        if storage.count > 1 {
            for i in stride(from: storage.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    /// The elements in heap order (not sorted).
    @inlinable public var elements: [Element] { storage }
    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }
    /// The least element, or nil when empty.
    @inlinable public var top: Element? { storage.first }

    @inlinable
    public mutating func push(_ element: Element) {
        storage.append(element)
        var i = storage.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard storage[i] < storage[p] else { return }
            storage.swapAt(i, p)
            i = p
        }
    }

    /// Removes and returns the least element.
    @inlinable @discardableResult
    public mutating func pop() -> Element? {
        guard !storage.isEmpty else { return nil }
        let first = storage[0]
        storage[0] = storage[storage.count - 1]
        storage.removeLast()
        if !storage.isEmpty { siftDown(0) }
        return first
    }

    /// Replaces the least element with `element`: one sift instead of a pop and a push.
    @inlinable
    public mutating func replaceTop(with element: Element) {
        guard !storage.isEmpty else { storage.append(element); return }
        storage[0] = element
        siftDown(0)
    }

    /// Restores the order after the top element's key changed in place (a reference type,
    /// such as a cursor that advanced).
    @inlinable
    public mutating func topDidChange() {
        if !storage.isEmpty { siftDown(0) }
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < storage.count && storage[l] < storage[m] { m = l }
            if r < storage.count && storage[r] < storage[m] { m = r }
            if m == i { return }
            storage.swapAt(i, m)
            i = m
        }
    }
}
