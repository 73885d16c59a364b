// The module's one sort. The standard library's stable sort is specialised for every element
// type and, through closure specialisation, for every call site's comparator: 25 copies, 53 KB
// of the page's module. These extensions shadow `sorted(by:)`, `sort(by:)`, `sorted()` and
// `sort()` for the files compiled into it (the CLI keeps the library's): each call site keeps a
// small generic shell, and the sorting itself is one function over indices (`stableOrder`), its
// comparator behind a class so that it is not specialised per call site either.
//
// Stable, as the library's sort is: elements the comparator does not order keep their order, so
// for any strict weak ordering the result is the CLI's, element for element.

extension Sequence {
    func sorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        var elements = Array(self)
        elements.sort(by: areInIncreasingOrder)
        return elements
    }
}

extension Sequence where Element: Comparable {
    func sorted() -> [Element] { sorted(by: <) }
}

extension MutableCollection where Self: RandomAccessCollection {
    mutating func sort(by areInIncreasingOrder: (Element, Element) -> Bool) {
        let elements = Array(self)
        let precedes = { (i: Int, j: Int) in areInIncreasingOrder(elements[i], elements[j]) }
        let order = withoutActuallyEscaping(precedes, do: { stableOrder(elements.count, IndexOrder($0)) })
        var k = startIndex
        for i in order {
            self[k] = elements[i]
            formIndex(after: &k)
        }
    }
}

extension MutableCollection where Self: RandomAccessCollection, Element: Comparable {
    mutating func sort() { sort(by: <) }
}

/// A comparator of indices, in a class: a closure argument would be specialised per call site.
private final class IndexOrder {
    let precedes: (Int, Int) -> Bool
    init(_ precedes: @escaping (Int, Int) -> Bool) { self.precedes = precedes }
}

/// The permutation of `0..<count` that orders it by `order`, stably: a bottom-up merge sort
/// (n log n comparisons; ties keep the left run's element first).
@inline(never)
private func stableOrder(_ count: Int, _ order: IndexOrder) -> [Int] {
    var from = Array(0..<count), to = from
    var width = 1
    while width < count {
        var low = 0
        while low < count {
            let middle = min(low + width, count), high = min(low + 2 * width, count)
            var i = low, j = middle, k = low
            while i < middle && j < high {
                if order.precedes(from[j], from[i]) {
                    to[k] = from[j]
                    j += 1
                } else {
                    to[k] = from[i]
                    i += 1
                }
                k += 1
            }
            while i < middle {
                to[k] = from[i]
                i += 1
                k += 1
            }
            while j < high {
                to[k] = from[j]
                j += 1
                k += 1
            }
            low = high
        }
        swap(&from, &to)
        width *= 2
    }
    return from
}
