/// Least-significant-digit radix sort of doubles. Sorting dominates the cost of
/// the drift tests (two sorts per field per window); on 100,000 values this is
/// several times faster than a comparison sort, and it allocates one scratch
/// buffer per call instead of per comparison.
enum RadixSort {
    private static let digitBits = 11
    private static let radix = 1 << digitBits
    private static let passes = 6  // 6 × 11 bits covers the 64-bit key

    /// Sorts finite doubles ascending (-0.0 before +0.0; NaN must be removed first).
    static func sort(_ values: inout [Double]) {
        let count = values.count
        if count < 256 {
            values.sort()
            return
        }
        var keys = [UInt64](repeating: 0, count: count)
        var scratch = [UInt64](repeating: 0, count: count)
        var histograms = [Int](repeating: 0, count: radix * passes)
        keys.withUnsafeMutableBufferPointer { keyBuffer in
            values.withUnsafeBufferPointer { source in
                histograms.withUnsafeMutableBufferPointer { counts in
                    for index in 0..<count {
                        let key = orderedKey(source[index])
                        keyBuffer[index] = key
                        for pass in 0..<passes {
                            let digit = Int(truncatingIfNeeded: (key >> UInt64(pass * digitBits))) & (radix - 1)
                            counts[pass * radix + digit] += 1
                        }
                    }
                }
            }
        }
        var sourceIsKeys = true
        for pass in 0..<passes {
            let offset = pass * radix
            // A pass whose digit is the same for every key moves nothing: skip it.
            var skip = false
            for digit in 0..<radix where histograms[offset + digit] != 0 {
                skip = histograms[offset + digit] == count
                break
            }
            if skip { continue }
            var running = 0
            for digit in 0..<radix {
                let bucket = histograms[offset + digit]
                histograms[offset + digit] = running
                running += bucket
            }
            let shift = UInt64(pass * digitBits)
            keys.withUnsafeMutableBufferPointer { keyBuffer in
                scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                    histograms.withUnsafeMutableBufferPointer { counts in
                        let from = sourceIsKeys ? keyBuffer : scratchBuffer
                        let to = sourceIsKeys ? scratchBuffer : keyBuffer
                        for index in 0..<count {
                            let key = from[index]
                            let digit = offset + Int(truncatingIfNeeded: key >> shift) & (radix - 1)
                            to[counts[digit]] = key
                            counts[digit] += 1
                        }
                    }
                }
            }
            sourceIsKeys.toggle()
        }
        let sorted = sourceIsKeys ? keys : scratch
        values.withUnsafeMutableBufferPointer { target in
            sorted.withUnsafeBufferPointer { source in
                for index in 0..<count { target[index] = value(of: source[index]) }
            }
        }
    }

    /// Maps a double to an unsigned integer with the same order: flip every bit of
    /// negatives, only the sign bit of positives.
    @inline(__always)
    static func orderedKey(_ value: Double) -> UInt64 {
        let bits = value.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    @inline(__always)
    static func value(of key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// Sorts non-negative integers below `bound` (bootstrap index draws) by counting.
    static func sortIndices(_ indices: inout [Int], bound: Int, counts: inout [Int32]) {
        if counts.count < bound { counts = [Int32](repeating: 0, count: bound) }
        counts.withUnsafeMutableBufferPointer { tally in
            for index in indices { tally[index] += 1 }
            var position = 0
            indices.withUnsafeMutableBufferPointer { output in
                for value in 0..<bound where tally[value] != 0 {
                    for _ in 0..<Int(tally[value]) {
                        output[position] = value
                        position += 1
                    }
                    tally[value] = 0
                }
            }
        }
    }
}
