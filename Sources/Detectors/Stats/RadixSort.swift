/// Least-significant-digit radix sort of doubles. Sorting dominates the cost of
/// the drift tests (two sorts per field per window); on 100,000 values this is
/// several times faster than a comparison sort, and it allocates one scratch
/// buffer per call instead of per comparison.
enum RadixSort {
    private static let digitBits = 11
    private static let radix = 1 << digitBits
    private static let passes = 6  // 6 × 11 bits covers the 64-bit key

    /// Sorts finite doubles ascending (-0.0 before +0.0; NaN must be removed first).
    /// The values are turned into order-preserving integer keys in place, so one
    /// scratch buffer of the same size is the only allocation.
    static func sort(_ values: inout [Double]) {
        let count = values.count
        if count < 256 {
            values.sort()
            return
        }
        var scratch = [UInt64](repeating: 0, count: count)
        var histograms = [Int](repeating: 0, count: radix * passes)
        values.withUnsafeMutableBufferPointer { valueBuffer in
            valueBuffer.withMemoryRebound(to: UInt64.self) { keys in
                scratch.withUnsafeMutableBufferPointer { spare in
                    histograms.withUnsafeMutableBufferPointer { counts in
                        for index in 0..<count {
                            let key = orderedKey(bits: keys[index])
                            keys[index] = key
                            for pass in 0..<passes {
                                let digit = Int(truncatingIfNeeded: key >> UInt64(pass * digitBits)) & (radix - 1)
                                counts[pass * radix + digit] += 1
                            }
                        }
                        var sourceIsKeys = true
                        for pass in 0..<passes {
                            let offset = pass * radix
                            // A pass whose digit is the same for every key moves nothing: skip it.
                            var skip = false
                            for digit in 0..<radix where counts[offset + digit] != 0 {
                                skip = counts[offset + digit] == count
                                break
                            }
                            if skip { continue }
                            var running = 0
                            for digit in 0..<radix {
                                let bucket = counts[offset + digit]
                                counts[offset + digit] = running
                                running += bucket
                            }
                            let shift = UInt64(pass * digitBits)
                            let from = sourceIsKeys ? keys : spare
                            let to = sourceIsKeys ? spare : keys
                            for index in 0..<count {
                                let key = from[index]
                                let digit = offset + Int(truncatingIfNeeded: key >> shift) & (radix - 1)
                                to[counts[digit]] = key
                                counts[digit] += 1
                            }
                            sourceIsKeys.toggle()
                        }
                        let sorted = sourceIsKeys ? keys : spare
                        for index in 0..<count { keys[index] = valueBits(of: sorted[index]) }
                    }
                }
            }
        }
    }

    /// Maps a double to an unsigned integer with the same order: flip every bit of
    /// negatives, only the sign bit of positives.
    @inline(__always)
    static func orderedKey(bits: UInt64) -> UInt64 {
        bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    @inline(__always)
    static func valueBits(of key: UInt64) -> UInt64 {
        key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key
    }
}
