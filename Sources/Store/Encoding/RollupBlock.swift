import InfermonCore

/// A closed hour of one label set's rollup rows, stored column by column
/// (`rollup_blocks`), so that a long counter query reads one small blob per
/// label set and hour instead of stepping SQLite through every row.
///
/// Once an hour has closed the writer makes the block and deletes the hour's
/// rows from `rollups`, so the block is the truth for it; a write into the hour
/// puts its rows back, and the block is remade from them (late events rewrite
/// every later running total; see `RollupBlockSealer`). Each column is a
/// length-prefixed stream, so a reader decodes only the columns it needs:
/// interval offsets and running totals as varint deltas (one byte for most
/// rows), sums and costs as Gorilla XOR streams, histogram bins as the few
/// bins each interval changed.
enum RollupBlock {
    static let version: UInt8 = 1

    /// Columns in `RollupRow.columns` order.
    enum Column: Int, CaseIterable {
        case bucket, lastTimestamp, requests, latencyCount, latencySum, latencyBins, ttftCount, ttftSum, ttftBins
        case inputTokens, outputTokens, cachedTokens, reasoningTokens, cost, costedRequests

        /// The column of `rollups` it holds.
        init?(name: String) {
            guard let index = Self.names.firstIndex(of: name) else { return nil }
            self.init(rawValue: index)
        }

        static let names = [
            "bucket", "last_ts", "requests", "latency_count", "latency_sum", "latency_buckets", "ttft_count",
            "ttft_sum", "ttft_buckets", "input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens", "cost",
            "costed_requests",
        ]
    }

    /// The span of a block for a rollup interval: an hour when the interval
    /// divides it and is at most a minute (60+ rows a block), else none: with
    /// longer intervals a day is a few hundred rows, which SQLite steps through quickly.
    static func span(forInterval interval: Int64) -> Int64? {
        interval > 0 && interval <= 60_000 && 3_600_000 % interval == 0 ? 3_600_000 : nil
    }

    /// Hours since the epoch fit in 22 bits until the year 2448.
    static let hourBits: Int64 = 22

    /// The rowid of a label set's block that starts at `start` (a multiple of `span`),
    /// or nil outside the hours that fit.
    static func id(keyID: Int64, start: Timestamp, span: Int64) -> Int64? {
        let hour = start / span
        guard start >= 0, hour < 1 << hourBits, keyID >= 0, keyID < 1 << (62 - hourBits) else { return nil }
        return keyID << hourBits | hour
    }

    /// The first rowid past a label set's blocks.
    static func endID(keyID: Int64) -> Int64 { (keyID + 1) << hourBits }

    static func encode(_ rows: [RollupRow], interval: Int64, start: Timestamp) -> [UInt8] {
        var out: [UInt8] = [version]
        out.reserveCapacity(rows.count * 24)
        appendVarint(UInt64(rows.count), to: &out)
        var bytes: [UInt8] = []
        func column(_ body: (inout [UInt8]) -> Void) {
            bytes.removeAll(keepingCapacity: true)
            body(&bytes)
            appendVarint(UInt64(bytes.count), to: &out)
            out += bytes
        }
        func integers(_ path: KeyPath<CumulativeTotals, Int64>) {
            column { bytes in
                var previous: Int64 = 0
                for row in rows {
                    let value = row.totals[keyPath: path]
                    appendVarint(zigzag(value &- previous), to: &bytes)
                    previous = value
                }
            }
        }
        func reals(_ path: KeyPath<CumulativeTotals, Double>) {
            column { bytes in
                var encoder = XORChunkEncoder()
                for (index, row) in rows.enumerated() { encoder.append(Int64(index), row.totals[keyPath: path]) }
                bytes = encoder.bytes
            }
        }
        // Per row only the bins that changed: how many, then (index step, increase)
        // pairs. An interval holds a few requests, so most of a histogram stays put.
        func bins(_ path: KeyPath<CumulativeTotals, [UInt64]>) {
            column { bytes in
                let count = rows.first?.totals[keyPath: path].count ?? 0
                appendVarint(UInt64(count), to: &bytes)
                var previous = [UInt64](repeating: 0, count: count)
                var changed: [(index: Int, delta: UInt64)] = []
                for row in rows {
                    let values = row.totals[keyPath: path]
                    changed.removeAll(keepingCapacity: true)
                    for index in 0..<min(count, values.count) where values[index] != previous[index] {
                        changed.append((index, values[index] &- previous[index]))
                        previous[index] = values[index]
                    }
                    appendVarint(UInt64(changed.count), to: &bytes)
                    var last = 0
                    for (index, delta) in changed {
                        appendVarint(UInt64(index - last), to: &bytes)
                        appendVarint(zigzag(Int64(bitPattern: delta)), to: &bytes)
                        last = index
                    }
                }
            }
        }
        column { bytes in
            var previous = start
            for row in rows {
                appendVarint(zigzag((row.bucket - previous) / interval), to: &bytes)
                previous = row.bucket
            }
        }
        column { bytes in
            for row in rows { appendVarint(zigzag(row.lastTimestamp &- row.bucket), to: &bytes) }
        }
        integers(\.requests)
        integers(\.latencyCount)
        reals(\.latencySum)
        bins(\.latencyBins)
        integers(\.ttftCount)
        reals(\.ttftSum)
        bins(\.ttftBins)
        integers(\.inputTokens)
        integers(\.outputTokens)
        integers(\.cachedTokens)
        integers(\.reasoningTokens)
        reals(\.cost)
        integers(\.costedRequests)
        return out
    }
}

/// Reads the columns of one block that a query asks for.
struct RollupBlockReader {
    let rows: Int
    private let bytes: UnsafeRawBufferPointer
    /// Where each column's bytes are, by `RollupBlock.Column` raw value.
    private var ranges: [Range<Int>] = []

    init(_ bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        guard bytes.count > 1, bytes[0] == RollupBlock.version else {
            throw InfermonError.storage("rollup block of an unknown version")
        }
        var position = 1
        rows = Int(readBinCount(bytes, at: &position))
        ranges.reserveCapacity(RollupBlock.Column.allCases.count)
        for _ in RollupBlock.Column.allCases {
            let length = Int(readBinCount(bytes, at: &position))
            guard length >= 0, position + length <= bytes.count else {
                throw InfermonError.storage("rollup block cut short")
            }
            ranges.append(position..<(position + length))
            position += length
        }
    }

    func column(_ column: RollupBlock.Column) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[ranges[column.rawValue]])
    }

    func buckets(start: Timestamp, interval: Int64) -> [Timestamp] {
        let data = column(.bucket)
        var position = 0
        var bucket = start
        return (0..<rows).map { _ in
            bucket += unzigzag(readBinCount(data, at: &position)) * interval
            return bucket
        }
    }

    /// The newest event time of one row: readers need it only for the last row they show.
    func lastTimestamp(row: Int, bucket: Timestamp) -> Timestamp {
        let data = column(.lastTimestamp)
        var position = 0
        var skipped = 0
        while skipped < row, position < data.count {
            if data[position] < 0x80 { skipped += 1 }
            position += 1
        }
        return bucket &+ unzigzag(readBinCount(data, at: &position))
    }

    /// A running-total column as doubles, one per row.
    func values(_ column: RollupBlock.Column) throws -> [Double] {
        let data = self.column(column)
        switch column {
        case .latencySum, .ttftSum, .cost:
            var samples: [Sample] = []
            samples.reserveCapacity(rows)
            try decodeXORChunk(data, count: rows, into: &samples)
            return samples.map(\.value)
        default:
            var position = 0
            var total: Int64 = 0
            return (0..<rows).map { _ in
                total &+= unzigzag(readBinCount(data, at: &position))
                return Double(total)
            }
        }
    }

    /// A histogram column, cumulative over `le` as the `_bucket` series are:
    /// `wanted` values per row, row after row.
    func cumulativeBins(_ column: RollupBlock.Column, bins wanted: Int) -> [Double] {
        let data = self.column(column)
        var position = 0
        let stored = Int(readBinCount(data, at: &position))
        var totals = [UInt64](repeating: 0, count: stored)
        var out: [Double] = []
        out.reserveCapacity(rows * wanted)
        for _ in 0..<rows {
            var changes = Int(readBinCount(data, at: &position))
            var index = 0
            while changes > 0 {
                index += Int(readBinCount(data, at: &position))
                let delta = UInt64(bitPattern: unzigzag(readBinCount(data, at: &position)))
                if index < stored { totals[index] &+= delta }
                changes -= 1
            }
            var running: UInt64 = 0
            let kept = min(stored, wanted)
            for index in 0..<kept {
                running &+= totals[index]
                out.append(Double(running))
            }
            // Missing trailing bins repeat the total, as `decodeCumulativeBins` does.
            for _ in kept..<wanted { out.append(Double(running)) }
        }
        return out
    }
}
