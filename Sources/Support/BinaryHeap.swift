/// A binary min-heap under a caller-given order: `areInIncreasingOrder(a, b)` puts `a` nearer
/// the top. Push and pop are O(log n); `init(_:by:)` heapifies in O(n).
public struct BinaryHeap<Element> {
    public private(set) var elements: [Element]
    private let areInIncreasingOrder: (Element, Element) -> Bool

    public init(_ elements: [Element] = [], by areInIncreasingOrder: @escaping (Element, Element) -> Bool) {
        self.elements = elements
        self.areInIncreasingOrder = areInIncreasingOrder
        if elements.count > 1 {
            for i in stride(from: elements.count / 2 - 1, through: 0, by: -1) { siftDown(i) }
        }
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }
    /// The least element, or nil when empty.
    public var top: Element? { elements.first }

    public mutating func push(_ element: Element) {
        elements.append(element)
        siftUp(elements.count - 1)
    }

    /// Removes and returns the least element.
    @discardableResult
    public mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        let last = elements.removeLast()
        guard !elements.isEmpty else { return last }
        let first = elements[0]
        elements[0] = last
        siftDown(0)
        return first
    }

    /// Replaces the least element with `element` (one sift instead of a pop and a push).
    public mutating func replaceTop(with element: Element) {
        guard !elements.isEmpty else { elements.append(element); return }
        elements[0] = element
        siftDown(0)
    }

    /// Restores the order after the top element was changed in place (a reference type whose
    /// key moved, such as a cursor that advanced).
    public mutating func topDidChange() {
        if !elements.isEmpty { siftDown(0) }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let p = (i - 1) / 2
            guard areInIncreasingOrder(elements[i], elements[p]) else { return }
            elements.swapAt(i, p)
            i = p
        }
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < elements.count && areInIncreasingOrder(elements[l], elements[m]) { m = l }
            if r < elements.count && areInIncreasingOrder(elements[r], elements[m]) { m = r }
            if m == i { return }
            elements.swapAt(i, m)
            i = m
        }
    }
}
