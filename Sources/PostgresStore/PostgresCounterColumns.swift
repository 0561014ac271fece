import InfermonCore
import PostgresNIO
import Store

/// The rollup columns one range read needs, and which slot of a decoded row
/// each wanted series takes its value from.
///
/// A day of one label set at 15 s is 5,760 rows. Reading and decoding every
/// column of each (two of them arrays) made a 24 h `rate` over 100 label sets
/// take 17 s on PostgreSQL against 0.08 s on SQLite, where the query needs
/// one column. A row is decoded into `width` doubles: one per plain column,
/// and one per histogram bin, already cumulative over `le`, so a bucket
/// series reads one slot and running totals are plain sums of slots.
struct PostgresCounterColumns {
    private enum Column: Int, CaseIterable {
        case requests, latencyCount, latencySum, latencyBins, ttftCount, ttftSum, ttftBins
        case inputTokens, outputTokens, cachedTokens, reasoningTokens, cost

        var name: String {
            switch self {
            case .requests: "requests"
            case .latencyCount: "latency_count"
            case .latencySum: "latency_sum"
            case .latencyBins: "latency_bins"
            case .ttftCount: "ttft_count"
            case .ttftSum: "ttft_sum"
            case .ttftBins: "ttft_bins"
            case .inputTokens: "input_tokens"
            case .outputTokens: "output_tokens"
            case .cachedTokens: "cached_tokens"
            case .reasoningTokens: "reasoning_tokens"
            case .cost: "cost"
            }
        }

        /// Slots in a decoded row: a histogram takes one per bin.
        var slots: Int {
            switch self {
            case .latencyBins: EventMetrics.durationBuckets.count + 1
            case .ttftBins: EventMetrics.timeToFirstTokenBuckets.count + 1
            default: 1
            }
        }

        var isReal: Bool { self == .latencySum || self == .ttftSum || self == .cost }

        /// The column summed over the rows before a window, in the type a plain row has.
        var sum: String {
            if slots > 1 { return "infermon_sum_bins(\(name))" }
            return "sum(\(name))::\(isReal ? "float8" : "bigint")"
        }

        static func of(_ family: EventFamily, variant: Int) -> Column? {
            switch family {
            case .requests: .requests
            case .latencyBucket: .latencyBins
            case .latencySum: .latencySum
            case .latencyCount: .latencyCount
            case .ttftBucket: .ttftBins
            case .ttftSum: .ttftSum
            case .ttftCount: .ttftCount
            case .tokens: [.inputTokens, .outputTokens, .cachedTokens, .reasoningTokens][variant]
            case .cost: .cost
            case .rawLatency, .rawTTFT, .rawInputTokens, .rawOutputTokens: nil
            }
        }
    }

    private let columns: [Column]
    /// The first slot of each selected column, by `Column.rawValue`.
    private let offsets: [Int?]
    /// Doubles per decoded row.
    let width: Int

    init(_ wanted: some Sequence<WantedEventSeries>) {
        var used = Set<Column>()
        for series in wanted {
            if let column = Column.of(series.family, variant: series.variant) { used.insert(column) }
        }
        columns = Column.allCases.filter(used.contains)
        var offsets = [Int?](repeating: nil, count: Column.allCases.count)
        var width = 0
        for column in columns {
            offsets[column.rawValue] = width
            width += column.slots
        }
        self.offsets = offsets
        self.width = width
    }

    var isEmpty: Bool { columns.isEmpty }

    /// The SELECT list of the plain rows, after `key_id, bucket, last_ts`.
    var plainList: String { columns.map(\.name).joined(separator: ", ") }

    /// The SELECT list of the sums before the window, in the same order and types.
    var sumList: String { columns.map(\.sum).joined(separator: ", ") }

    /// The SELECT list of one key's rows in the window as arrays in bucket
    /// order, one per slot, all `float8`: a day of 5,760 rows per key comes
    /// back as one row, so the client decodes a few arrays instead of
    /// thousands of rows (row by row, a day's rate over 100 label sets took
    /// 1.9 s, nearly all of it in the client).
    var arrayList: String {
        columns.flatMap { column in
            (0..<column.slots).map { index in
                let value = column.slots > 1 ? "COALESCE(\(column.name)[\(index + 1)], 0)" : column.name
                return "array_agg((\(value))::float8 ORDER BY bucket)"
            }
        }.joined(separator: ", ")
    }

    /// Appends the rows of `arrayList`'s arrays (from the cell after the
    /// buckets and newest times on), `rows` of them, `width` doubles each,
    /// histogram bins made cumulative over `le` as `decode` makes them.
    func decodeArrays(_ cells: inout PostgresRow.Iterator, rows: Int, into values: inout [Double]) throws {
        var slots: [[Double]] = []
        slots.reserveCapacity(width)
        for _ in 0..<width {
            guard let cell = cells.next() else { throw PostgresCounterColumnsError.shortRow }
            let array = try cell.decode([Double].self)
            guard array.count == rows else { throw PostgresCounterColumnsError.shortRow }
            slots.append(array)
        }
        for column in columns where column.slots > 1 {
            let first = offsets[column.rawValue]!
            for slot in first..<(first + column.slots) {
                slots[slot] = slots[slot].map { max(0, $0) }
                if slot > first {
                    for row in 0..<rows { slots[slot][row] += slots[slot - 1][row] }
                }
            }
        }
        values.reserveCapacity(values.count + rows * width)
        for row in 0..<rows {
            for slot in 0..<width { values.append(slots[slot][row]) }
        }
    }

    /// The slot a wanted series reads, nil for the raw families.
    func slot(of wanted: WantedEventSeries) -> Int? {
        guard let column = Column.of(wanted.family, variant: wanted.variant), let offset = offsets[column.rawValue]
        else { return nil }
        return offset + min(wanted.variant, column.slots - 1) * (column.slots > 1 ? 1 : 0)
    }

    /// Appends the selected columns of a row, from the cell after `last_ts` on, as `width` doubles.
    func decode(_ cells: inout PostgresRow.Iterator, into values: inout [Double]) throws {
        for column in columns {
            guard let cell = cells.next() else { throw PostgresCounterColumnsError.shortRow }
            if column.slots > 1 {
                let bins = try cell.decode([Int64].self)
                var running = 0.0
                for index in 0..<column.slots {
                    if index < bins.count { running += Double(max(0, bins[index])) }
                    values.append(running)
                }
            } else if column.isReal {
                values.append(try cell.decode(Double.self))
            } else {
                values.append(Double(try cell.decode(Int64.self)))
            }
        }
    }
}

struct PostgresCounterColumnsError: Error, CustomStringConvertible {
    static let shortRow = PostgresCounterColumnsError()
    var description: String { "a rollup row had fewer columns than were selected" }
}
