import InfermonCore

/// Which rollup columns a counter query needs and how each wanted series'
/// value comes out of a row. Reading only those columns, straight into a flat
/// array of doubles, is what keeps a 24-hour query over hundreds of series fast:
/// no histogram blob is decoded for `infermon_requests_total`.
struct CounterProjection {
    enum Source {
        case integer(column: Int32)
        case real(column: Int32)
        /// Observations at or below bound `index` of the histogram decoded into `blobs[blob]`.
        case bucket(blob: Int, index: Int)
    }

    /// `bucket, last_ts, …`: the SELECT list.
    let columns: String
    let sources: [Source]
    /// The histogram blob columns read, each decoded once per row.
    let blobs: [(column: Int32, bins: Int)]

    init(families: [(family: EventFamily, variant: Int)]) {
        var names = ["bucket", "last_ts"]
        func column(_ name: String) -> Int32 {
            if let index = names.firstIndex(of: name) { return Int32(index) }
            names.append(name)
            return Int32(names.count - 1)
        }
        var blobs: [(column: Int32, bins: Int)] = []
        func blob(_ name: String, bins: Int) -> Int {
            let index = column(name)
            if let slot = blobs.firstIndex(where: { $0.column == index }) { return slot }
            blobs.append((index, bins))
            return blobs.count - 1
        }
        let latencyBins = EventMetrics.durationBuckets.count + 1
        let ttftBins = EventMetrics.timeToFirstTokenBuckets.count + 1
        sources = families.map { family, variant in
            switch family {
            case .requests: .integer(column: column("requests"))
            case .latencyBucket:
                .bucket(blob: blob("latency_buckets", bins: latencyBins), index: min(variant, latencyBins - 1))
            case .latencySum: .real(column: column("latency_sum"))
            case .latencyCount: .integer(column: column("latency_count"))
            case .ttftBucket: .bucket(blob: blob("ttft_buckets", bins: ttftBins), index: min(variant, ttftBins - 1))
            case .ttftSum: .real(column: column("ttft_sum"))
            case .ttftCount: .integer(column: column("ttft_count"))
            case .tokens:
                .integer(
                    column: column(["input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens"][variant]))
            case .cost: .real(column: column("cost"))
            case .rawLatency, .rawTTFT, .rawInputTokens, .rawOutputTokens: .real(column: column("NULL"))
            }
        }
        columns = names.joined(separator: ", ")
        self.blobs = blobs
        blockColumns = names.map { RollupBlock.Column(name: $0) }
    }

    /// The block column of each SELECT column (nil for none).
    private let blockColumns: [RollupBlock.Column?]

    /// Appends the block's rows with buckets in [from, upTo), as `extract` does for statement rows.
    func extract(
        block: RollupBlockReader, start: Timestamp, interval: Int64, from: Timestamp, upTo: Timestamp,
        buckets: inout [Timestamp], lastTimestamps: inout [Timestamp], values: inout [Double]
    ) throws {
        let blockBuckets = block.buckets(start: start, interval: interval)
        guard let first = blockBuckets.firstIndex(where: { $0 >= from }) else { return }
        let end = blockBuckets.firstIndex(where: { $0 >= upTo }) ?? blockBuckets.count
        guard first < end else { return }
        var decodedBins: [[Double]] = []
        for blob in blobs {
            guard let column = blockColumns[Int(blob.column)] else { throw InfermonError.storage("no block column") }
            decodedBins.append(block.cumulativeBins(column, bins: blob.bins))
        }
        var columns: [[Double]] = []
        var sourceSlots: [Int] = []
        for source in sources {
            switch source {
            case .integer(let column), .real(let column):
                guard let blockColumn = blockColumns[Int(column)] else {
                    throw InfermonError.storage("no block column")
                }
                sourceSlots.append(columns.count)
                columns.append(try block.values(blockColumn))
            case .bucket:
                sourceSlots.append(-1)
            }
        }
        buckets += blockBuckets[first..<end]
        // Only the last row shown needs its newest event time (the open interval's
        // sample sits there); a block's rows are closed, so the others keep their bucket.
        lastTimestamps += blockBuckets[first..<(end - 1)]
        lastTimestamps.append(block.lastTimestamp(row: end - 1, bucket: blockBuckets[end - 1]))
        values.reserveCapacity(values.count + (end - first) * sources.count)
        for row in first..<end {
            for (index, source) in sources.enumerated() {
                switch source {
                case .integer, .real: values.append(columns[sourceSlots[index]][row])
                case .bucket(let blob, let bin): values.append(decodedBins[blob][row * blobs[blob].bins + bin])
                }
            }
        }
    }

    /// Appends one value per source for the statement's current row. `scratch`
    /// holds the decoded blobs between calls, so a row allocates nothing.
    func extract(_ statement: Statement, into values: inout [Double], scratch: inout [[Double]]) {
        if scratch.count != blobs.count { scratch = blobs.map { [Double](repeating: 0, count: $0.bins) } }
        for (slot, blob) in blobs.enumerated() {
            statement.withBlob(blob.column) { bytes in
                scratch[slot].withUnsafeMutableBufferPointer { decodeCumulativeBins(bytes, into: $0) }
            }
        }
        for source in sources {
            switch source {
            case .integer(let column): values.append(Double(statement.int64(column)))
            case .real(let column): values.append(statement.double(column))
            case .bucket(let blob, let index): values.append(scratch[blob][index])
            }
        }
    }
}

/// Varint bin counts (as `decodeBins` reads them), written as running totals:
/// the cumulative-over-`le` counts of a histogram. Missing trailing bins repeat the total.
func decodeCumulativeBins(_ bytes: UnsafeRawBufferPointer, into bins: UnsafeMutableBufferPointer<Double>) {
    var position = 0
    var running: UInt64 = 0
    for index in 0..<bins.count {
        running += readBinCount(bytes, at: &position)
        bins[index] = Double(running)
    }
}
