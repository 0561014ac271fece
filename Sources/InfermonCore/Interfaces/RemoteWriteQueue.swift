/// One request's worth of samples for a remote write endpoint, encoded and
/// compressed when queued, so every retry sends the same bytes.
public struct RemoteWriteBatch: Sendable, Hashable {
    /// Assigned by the queue; batches leave in id order.
    public var id: Int64
    public var samples: Int
    /// The newest sample's time, for `…_highest_timestamp_in_seconds`.
    public var highestTimestamp: Timestamp
    /// A snappy-compressed `WriteRequest`.
    public var body: [UInt8]

    public init(id: Int64 = 0, samples: Int, highestTimestamp: Timestamp, body: [UInt8]) {
        self.id = id
        self.samples = samples
        self.highestTimestamp = highestTimestamp
        self.body = body
    }
}

/// The durable queue between the store's series and a remote write endpoint.
/// Each endpoint has a cursor: every sample stamped before it has been queued.
/// Queueing and moving the cursor happen in one transaction, so after a crash
/// a sample is either queued (and will be sent) or still ahead of the cursor
/// (and will be read again) — never lost, never queued twice.
public protocol RemoteWriteQueue: Sendable {
    /// Where the endpoint's next read starts (exclusive of what was queued), nil before its first.
    func remoteWriteCursor(endpoint: String) async throws -> Timestamp?
    /// Queues `batches` and sets the cursor to `cursor`, atomically. When more than
    /// `maxPendingSamples` are then queued, the oldest batches are dropped; returns
    /// how many samples were dropped.
    func enqueueRemoteWrite(endpoint: String, batches: [RemoteWriteBatch], cursor: Timestamp, maxPendingSamples: Int)
        async throws -> Int
    /// The oldest queued batch of the endpoint.
    func oldestRemoteWriteBatch(endpoint: String) async throws -> RemoteWriteBatch?
    /// Removes a batch: after a 2xx, or when the receiver refused it for good.
    func deleteRemoteWriteBatch(endpoint: String, id: Int64) async throws
    /// Samples queued for the endpoint and not yet acknowledged.
    func pendingRemoteWriteSamples(endpoint: String) async throws -> Int
}
