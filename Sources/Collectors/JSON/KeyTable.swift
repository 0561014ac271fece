/// Member names a profile knows, looked up from a key's raw bytes.
///
/// Every line repeats the same dozen names, so this lookup runs more often than
/// anything else in a profile. Names are held as four zero-padded 64-bit words
/// grouped by length: a key is packed once (one small copy) and compared a word
/// at a time with the few names of its length, with no hashing, no String and no
/// `memcmp` call.
struct KeyTable<Value>: Sendable where Value: Sendable {
    /// A name or key of up to 32 bytes, zero-padded.
    struct Packed: Equatable, Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        static func == (lhs: Packed, rhs: Packed) -> Bool {
            lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2
                && lhs.words.3 == rhs.words.3
        }
    }

    static var maxLength: Int { 32 }

    var count: Int { names.count }

    private let names: [Packed]
    private let values: [Value]
    /// `starts[n] ..< starts[n + 1]` are the entries whose name is `n` bytes long.
    private let starts: [Int]

    init(_ entries: [(StaticString, Value)]) {
        self.init(
            names: entries.map { name, value in
                (Array(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)), value)
            })
    }

    /// Names known only at run time: the steps of the dotted paths a profile reads.
    init(names entries: [([UInt8], Value)]) {
        let sorted = entries.enumerated().sorted {
            ($0.element.0.count, $0.offset) < ($1.element.0.count, $1.offset)
        }.map(\.element)
        var starts = [Int](repeating: sorted.count, count: Self.maxLength + 2)
        for (index, entry) in sorted.enumerated().reversed() {
            let length = entry.0.count
            precondition(length <= Self.maxLength, "key table names are at most \(Self.maxLength) bytes")
            starts[length] = index
        }
        // Lengths with no names start where the next length starts, so their range is empty.
        for length in stride(from: Self.maxLength, through: 0, by: -1) where starts[length] > starts[length + 1] {
            starts[length] = starts[length + 1]
        }
        names = sorted.map { name in name.0.withUnsafeBufferPointer { Self.pack($0)! } }
        values = sorted.map(\.1)
        self.starts = starts
    }

    @inline(__always)
    static func pack(_ key: UnsafeBufferPointer<UInt8>) -> Packed? {
        guard key.count <= maxLength else { return nil }
        var packed = Packed()
        if let base = key.baseAddress {
            withUnsafeMutableBytes(of: &packed.words) { $0.baseAddress!.copyMemory(from: base, byteCount: key.count) }
        }
        return packed
    }

    /// The value of a key, or nil for a name the table does not hold.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Value? {
        guard let packed = Self.pack(key) else { return nil }
        var index = starts[key.count]
        let end = starts[key.count + 1]
        while index < end {
            if names[index] == packed { return values[index] }
            index += 1
        }
        return nil
    }
}
