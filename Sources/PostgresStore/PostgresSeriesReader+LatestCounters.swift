import InfermonCore
import Store

extension PostgresSeriesReader {
    /// Each key's newest counter sample in `from...through`, from the rows and
    /// grid `select` uses, read for every key in the two queries a range read
    /// makes; what `/metrics` exposes without a `Series` per key and series.
    func forEachLatestCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws {
        try refreshCatalog()
        let through = min(through, clock.now())
        let sources = EventFamily.latestCounterSources.map {
            WantedEventSeries(family: $0.family, variant: $0.variant, labels: Labels())
        }
        let columns = PostgresCounterColumns(sources)
        let slots = sources.map { columns.slot(of: $0) }
        let ordered = keys.sorted { $0.value.labels < $1.value.labels }
        let rows = try rollupRows(keys: ordered.map(\.key), columns: columns, from: from, through: through)
        let width = columns.width
        var values: [Double] = []
        values.reserveCapacity(sources.count)
        for (keyID, entry) in ordered {
            guard let keyRows = rows[keyID],
                let row = counterPoints(keyID: keyID, rows: keyRows, from: from, through: through)?.rows.last
            else { continue }
            values.removeAll(keepingCapacity: true)
            for slot in slots {
                values.append(row < 0 ? 0 : slot.map { keyRows.values[row * width + $0] } ?? .nan)
            }
            try body(LatestEventCounters(labels: entry.labels, sourceValues: values[...]))
        }
    }
}
