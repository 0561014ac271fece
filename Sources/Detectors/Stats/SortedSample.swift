import Dispatch

/// A numeric sample sorted once, with the summaries every drift test needs.
/// Tests take two of these and only walk them, so a reference window that is
/// compared against many current windows is sorted a single time.
public struct SortedSample: Sendable {
    /// Finite values in ascending order.
    public let values: [Double]
    /// Arithmetic mean.
    public let mean: Double
    /// Population standard deviation (ddof 0), as numpy's `std` and Evidently use it.
    public let standardDeviation: Double
    /// Number of different values.
    public let distinctCount: Int

    /// Sorts `unsorted`, dropping NaN and infinities (they carry no position on the line).
    public init(_ unsorted: [Double]) {
        var finite = unsorted
        finite.removeAll { !$0.isFinite }
        RadixSort.sort(&finite)
        self.init(sorted: finite)
    }

    /// Sorts several samples at once, spread over the machine's cores.
    public static func sortAll(_ columns: [[Double]]) -> [SortedSample] {
        var results = [SortedSample?](repeating: nil, count: columns.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = UnsafeSendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: columns.count) { index in
                output.buffer[index] = SortedSample(columns[index])
            }
        }
        return results.map { $0! }
    }

    /// Wraps values that are already finite and ascending.
    public init(sorted: [Double]) {
        values = sorted
        let count = sorted.count
        guard count > 0 else {
            mean = .nan
            standardDeviation = .nan
            distinctCount = 0
            return
        }
        var sum = 0.0
        var distinct = 1
        sorted.withUnsafeBufferPointer { buffer in
            var previous = buffer[0]
            for value in buffer {
                sum += value
                if value != previous {
                    distinct += 1
                    previous = value
                }
            }
        }
        let average = sum / Double(count)
        var squares = 0.0
        for value in sorted {
            let deviation = value - average
            squares += deviation * deviation
        }
        mean = average
        standardDeviation = (squares / Double(count)).squareRoot()
        distinctCount = distinct
    }

    public var count: Int { values.count }
    public var isEmpty: Bool { values.isEmpty }

    /// Index of the first value not less than `x` (numpy `searchsorted(side='left')`).
    @inlinable
    public func lowerBound(_ x: Double) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) >> 1
            if values[middle] < x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Index of the first value greater than `x` (numpy `searchsorted(side='right')`).
    @inlinable
    public func upperBound(_ x: Double) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let middle = (low + high) >> 1
            if values[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The `q` quantile with linear interpolation (numpy's default method).
    public func quantile(_ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let position = q * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        let fraction = position - Double(below)
        return values[below] + (values[above] - values[below]) * fraction
    }

    /// Distinct values with how often each occurs, ascending.
    public func valueCounts() -> [(value: Double, count: Int)] {
        var result: [(value: Double, count: Int)] = []
        result.reserveCapacity(distinctCount)
        var index = 0
        while index < values.count {
            let value = values[index]
            var end = index + 1
            while end < values.count && values[end] == value { end += 1 }
            result.append((value, end - index))
            index = end
        }
        return result
    }
}
