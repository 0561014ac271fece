import InfermonCore

/// Which rollup columns a counter query needs and how each wanted series'
/// value comes out of a row. Reading only those columns, straight into a flat
/// array of doubles, is what keeps a 24-hour query over hundreds of series fast:
/// no histogram blob is decoded for `infermon_requests_total`.
struct CounterProjection {
    enum Source {
        case integer(column: Int32)
        case real(column: Int32)
        /// Observations at or below bound `index` of the latency (or TTFT) histogram in blob `column`.
        case bucket(column: Int32, index: Int, bins: Int)
    }

    /// `bucket, last_ts, …`: the SELECT list.
    let columns: String
    let sources: [Source]

    init(families: [(family: EventFamily, variant: Int)]) {
        var names = ["bucket", "last_ts"]
        func column(_ name: String) -> Int32 {
            if let index = names.firstIndex(of: name) { return Int32(index) }
            names.append(name)
            return Int32(names.count - 1)
        }
        let latencyBins = EventMetrics.durationBuckets.count + 1
        let ttftBins = EventMetrics.timeToFirstTokenBuckets.count + 1
        sources = families.map { family, variant in
            switch family {
            case .requests: .integer(column: column("requests"))
            case .latencyBucket: .bucket(column: column("latency_buckets"), index: variant, bins: latencyBins)
            case .latencySum: .real(column: column("latency_sum"))
            case .latencyCount: .integer(column: column("latency_count"))
            case .ttftBucket: .bucket(column: column("ttft_buckets"), index: variant, bins: ttftBins)
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
    }

    /// Appends one value per source for the statement's current row.
    func extract(_ statement: Statement, into values: inout [Double]) {
        // Cumulative-over-`le` counts, decoded once per blob column per row.
        var cumulative: [Int32: [Double]] = [:]
        for source in sources {
            switch source {
            case .integer(let column): values.append(Double(statement.int64(column)))
            case .real(let column): values.append(statement.double(column))
            case .bucket(let column, let index, let bins):
                if cumulative[column] == nil {
                    let counts = statement.withBlob(column) { decodeBins($0, count: bins) }
                    var running: UInt64 = 0
                    cumulative[column] = counts.map { count in
                        running += count
                        return Double(running)
                    }
                }
                values.append(cumulative[column]![min(index, bins - 1)])
            }
        }
    }
}
