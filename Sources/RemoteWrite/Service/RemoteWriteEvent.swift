public import InfermonCore

/// What the remote write service reports, for `/metrics`: the daemon turns
/// these into the `infermon_remote_storage_*` series (Prometheus's
/// `prometheus_remote_storage_*` names), labelled `remote_name` and `url`.
public enum RemoteWriteEvent: Sendable, Equatable {
    /// A batch was acknowledged (2xx).
    case sent(endpoint: String, url: String, samples: Int, bytes: Int, seconds: Double, highestTimestamp: Timestamp)
    /// An attempt failed and will be retried (5xx, 429, no answer).
    case retried(endpoint: String, url: String, samples: Int)
    /// The receiver refused a batch for good (4xx but 429): dropped.
    case failed(endpoint: String, url: String, samples: Int)
    /// The queue was over its capacity: the oldest samples were dropped.
    case dropped(endpoint: String, url: String, samples: Int)
    /// Samples queued and not yet acknowledged.
    case pending(endpoint: String, url: String, samples: Int)
}
