/// Milliseconds since the Unix epoch, the resolution Prometheus uses for samples.
public typealias Timestamp = Int64

/// One point of a series.
public struct Sample: Hashable, Sendable {
    public var timestamp: Timestamp
    public var value: Double

    public init(_ timestamp: Timestamp, _ value: Double) {
        self.timestamp = timestamp
        self.value = value
    }

    /// The NaN bit pattern Prometheus writes to mark a series stale.
    public static let staleNaNBits: UInt64 = 0x7ff0_0000_0000_0002
    public static var staleNaN: Double { Double(bitPattern: staleNaNBits) }

    public var isStaleMarker: Bool { value.bitPattern == Self.staleNaNBits }
}

/// A labelled run of samples in time order.
public struct Series: Hashable, Sendable {
    public var labels: Labels
    public var samples: [Sample]

    public init(labels: Labels, samples: [Sample]) {
        self.labels = labels
        self.samples = samples
    }
}
