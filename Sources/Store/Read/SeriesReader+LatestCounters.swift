public import InfermonCore

extension EventFamily {
    /// Every rollup-derived series of a key, in `LatestEventCounters`' order:
    /// requests, latency buckets/sum/count, TTFT buckets/sum/count, tokens, cost.
    package static let latestCounterSources: [(family: EventFamily, variant: Int)] =
        allCases
        .filter { !$0.isRaw }
        .flatMap { family in family.variants.indices.map { (family, $0) } }
}

extension LatestEventCounters {
    /// From one value per `EventFamily.latestCounterSources`, in that order.
    package init(labels: Labels, sourceValues values: ArraySlice<Double>) {
        var cursor = values.startIndex
        func take(_ count: Int) -> [Double] {
            defer { cursor += count }
            return Array(values[cursor..<(cursor + count)])
        }
        func next() -> Double {
            defer { cursor += 1 }
            return values[cursor]
        }
        self.init(
            labels: labels, requests: next(), latencyBuckets: take(EventMetrics.durationBuckets.count + 1),
            latencySum: next(), latencyCount: next(), ttftBuckets: take(EventMetrics.timeToFirstTokenBuckets.count + 1),
            ttftSum: next(), ttftCount: next(), tokens: take(EventMetrics.TokenType.allCases.count), cost: next())
    }
}

extension SeriesReader {
    /// Each key's newest counter sample in `from...through`, taken from the same
    /// rows and carried-forward grid as `select`, so both always agree; one
    /// projection per key instead of one `Series` per key and series.
    func forEachLatestCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws {
        try connection.execute("BEGIN")
        defer {
            connection.resetCachedStatements()
            try? connection.execute("COMMIT")
        }
        try refreshCatalog()
        let through = min(through, clock.now())
        let projection = CounterProjection(families: EventFamily.latestCounterSources)
        let width = EventFamily.latestCounterSources.count
        let zeros = [Double](repeating: 0, count: width)
        for keyID in catalog.keysInLabelOrder() {
            guard let entry = keys[keyID] else { continue }
            guard
                let points = try counterPoints(keyID: keyID, projection: projection, from: from, through: through),
                let row = points.rows.last
            else { continue }
            let values = row < 0 ? zeros[...] : points.values[(row * width)..<((row + 1) * width)]
            try body(LatestEventCounters(labels: entry.labels, sourceValues: values))
        }
    }
}
