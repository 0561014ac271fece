import InfermonCore

/// Appends named samples into per-series chunks. The newest chunk of each series
/// stays open in memory and is rewritten in place on every commit until it holds
/// `maxSamplesPerChunk` samples or spans `maxChunkSpan`, so readers always see
/// every committed sample and the table grows by one row per closed chunk.
final class SampleWriter {
    static let maxSamplesPerChunk = 120
    static let maxChunkSpan: Int64 = 2 * 3_600_000

    private let connection: SQLiteConnection
    private var seriesIDs: [Labels: Int64] = [:]
    private var heads: [Int64: XORChunkEncoder] = [:]
    private var dirty: Set<Int64> = []
    /// Newest sample time per series, so out-of-order samples are refused as Prometheus does.
    private var lastTimestamps: [Int64: Timestamp] = [:]

    init(connection: SQLiteConnection) { self.connection = connection }

    func discardCaches() {
        seriesIDs.removeAll()
        heads.removeAll()
        dirty.removeAll()
        lastTimestamps.removeAll()
    }

    /// Returns how many samples were rejected for being out of order.
    func append(_ entries: [(labels: Labels, sample: Sample)]) throws -> Int {
        var rejected = 0
        for entry in entries {
            guard let name = entry.labels.name, !name.isEmpty else {
                throw InfermonError.invalidArgument("sample without a metric name: \(entry.labels)")
            }
            let seriesID = try self.seriesID(entry.labels, name: name)
            var head = try self.head(seriesID)
            if let last = lastTimestamps[seriesID], entry.sample.timestamp <= last {
                rejected += 1
                continue
            }
            if head.count >= Self.maxSamplesPerChunk
                || (head.count > 0 && entry.sample.timestamp - head.firstTimestamp > Self.maxChunkSpan)
            {
                try write(head, seriesID: seriesID)
                dirty.remove(seriesID)
                head = XORChunkEncoder()
            }
            head.append(entry.sample.timestamp, entry.sample.value)
            heads[seriesID] = head
            lastTimestamps[seriesID] = entry.sample.timestamp
            dirty.insert(seriesID)
        }
        return rejected
    }

    func flush() throws {
        for seriesID in dirty {
            if let head = heads[seriesID] { try write(head, seriesID: seriesID) }
        }
        dirty.removeAll()
    }

    private func write(_ head: XORChunkEncoder, seriesID: Int64) throws {
        let statement = try connection.cached(
            "INSERT OR REPLACE INTO chunks (series_id, start_ts, end_ts, samples, data) VALUES (?,?,?,?,?)")
        statement.bind(1, seriesID)
        statement.bind(2, head.firstTimestamp)
        statement.bind(3, head.lastTimestamp)
        statement.bind(4, head.count)
        statement.bind(5, blob: head.bytes)
        try statement.run()
    }

    private func seriesID(_ labels: Labels, name: String) throws -> Int64 {
        if let id = seriesIDs[labels] { return id }
        let text = LabelsText.encode(labels)
        let insert = try connection.cached(
            "INSERT INTO series (name, labels) VALUES (?, ?) ON CONFLICT(labels) DO NOTHING")
        insert.bind(1, name)
        insert.bind(2, text)
        try insert.run()
        let select = try connection.cached("SELECT id FROM series WHERE labels = ?")
        select.bind(1, text)
        guard try select.step() else { throw InfermonError.storage("series vanished") }
        let id = select.int64(0)
        seriesIDs[labels] = id
        return id
    }

    /// The open chunk of a series, rebuilt from its stored form after a restart.
    private func head(_ seriesID: Int64) throws -> XORChunkEncoder {
        if let head = heads[seriesID] { return head }
        let select = try connection.cached(
            "SELECT samples, data, end_ts FROM chunks WHERE series_id = ? ORDER BY start_ts DESC LIMIT 1")
        select.bind(1, seriesID)
        var encoder = XORChunkEncoder()
        if try select.step() {
            lastTimestamps[seriesID] = select.int64(2)
            let count = Int(select.int64(0))
            // A full chunk stays closed; a partial one is reopened and extended.
            if count < Self.maxSamplesPerChunk {
                var samples: [Sample] = []
                try select.withBlob(1) { try decodeXORChunk($0, count: count, into: &samples) }
                for sample in samples { encoder.append(sample.timestamp, sample.value) }
            }
        }
        heads[seriesID] = encoder
        return encoder
    }
}
