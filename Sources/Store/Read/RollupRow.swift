import InfermonCore

/// One decoded `rollups` row. Columns are read in the order of `columns`.
struct RollupRow {
    static let columns = """
        bucket, last_ts, requests, latency_count, latency_sum, latency_buckets, ttft_count, ttft_sum, ttft_buckets,
        input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost, costed_requests
        """
    static let sketchColumns = "latency_sketch, ttft_sketch, tpot_sketch, input_tokens_sketch, output_tokens_sketch"
    /// `(key_id, …) VALUES (?, …)` for an `INSERT INTO rollups`, in the order `bind` binds.
    static let insertValues = "(key_id, \(columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

    var bucket: Timestamp
    var lastTimestamp: Timestamp
    var totals: CumulativeTotals

    init(bucket: Timestamp, lastTimestamp: Timestamp, totals: CumulativeTotals) {
        self.bucket = bucket
        self.lastTimestamp = lastTimestamp
        self.totals = totals
    }

    init(_ statement: Statement, firstColumn: Int32) throws {
        let c = firstColumn
        bucket = statement.int64(c)
        lastTimestamp = statement.int64(c + 1)
        var totals = CumulativeTotals()
        totals.requests = statement.int64(c + 2)
        totals.latencyCount = statement.int64(c + 3)
        totals.latencySum = statement.double(c + 4)
        totals.latencyBins = statement.withBlob(c + 5) {
            decodeBins($0, count: EventMetrics.durationBuckets.count + 1)
        }
        totals.ttftCount = statement.int64(c + 6)
        totals.ttftSum = statement.double(c + 7)
        totals.ttftBins = statement.withBlob(c + 8) {
            decodeBins($0, count: EventMetrics.timeToFirstTokenBuckets.count + 1)
        }
        totals.inputTokens = statement.int64(c + 9)
        totals.outputTokens = statement.int64(c + 10)
        totals.cachedTokens = statement.int64(c + 11)
        totals.reasoningTokens = statement.int64(c + 12)
        totals.cost = statement.double(c + 13)
        totals.costedRequests = statement.int64(c + 14)
        self.totals = totals
    }

    /// Binds a row of `keyID` to an `INSERT INTO rollups \(insertValues)`: the
    /// writer's and the rows put back from a sealed hour's block go in alike.
    static func bind(
        _ statement: Statement, keyID: Int64, bucket: Timestamp, lastTimestamp: Timestamp, totals: CumulativeTotals
    ) {
        statement.bind(1, keyID)
        statement.bind(2, bucket)
        statement.bind(3, lastTimestamp)
        statement.bind(4, totals.requests)
        statement.bind(5, totals.latencyCount)
        statement.bind(6, totals.latencySum)
        statement.bind(7, blob: encodeBins(totals.latencyBins))
        statement.bind(8, totals.ttftCount)
        statement.bind(9, totals.ttftSum)
        statement.bind(10, blob: encodeBins(totals.ttftBins))
        statement.bind(11, totals.inputTokens)
        statement.bind(12, totals.outputTokens)
        statement.bind(13, totals.cachedTokens)
        statement.bind(14, totals.reasoningTokens)
        statement.bind(15, totals.cost)
        statement.bind(16, totals.costedRequests)
    }

    /// The five sketches of a `rollup_sketches` row, in `sketchColumns` order.
    static func sketches(_ statement: Statement, firstColumn c: Int32) throws -> IntervalSketches {
        func sketch(_ column: Int32) throws -> QuantileSketch {
            statement.isNull(column) ? QuantileSketch() : try QuantileSketch(serialized: statement.blob(column))
        }
        return IntervalSketches(
            latency: try sketch(c), ttft: try sketch(c + 1), tpot: try sketch(c + 2), inputTokens: try sketch(c + 3),
            outputTokens: try sketch(c + 4))
    }
}
