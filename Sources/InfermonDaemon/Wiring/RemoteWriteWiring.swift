import InfermonConfig
import InfermonCore
import Logging
import Metrics
import RemoteWrite

/// Builds the remote write service from `remote_write:` (with `global`'s
/// external labels) and turns what it reports into the
/// `infermon_remote_storage_*` metrics of `/metrics`, named and labelled as
/// Prometheus names its own (`prometheus_remote_storage_*`, `remote_name`, `url`).
enum RemoteWriteWiring {
    /// The service, or nil when no endpoint is configured. `step` is the
    /// store's rollup interval; the queue lives in the same store.
    static func service(
        config: Configuration, store: any SeriesQuerier & RemoteWriteQueue, step: Int64, clock: any WallClock
    ) -> RemoteWriteService? {
        let remote = config.remoteWriteConfiguration
        guard !remote.endpoints.isEmpty else { return nil }
        return RemoteWriteService(
            config: remote, querier: store, queue: store, step: step, clock: clock,
            userAgent: "infermon/\(InfermonVersion.current)", logger: Logger(label: "infermon.remote-write"),
            observer: record)
    }

    static let prefix = "infermon_remote_storage_"

    @Sendable static func record(_ event: RemoteWriteEvent) {
        switch event {
        case .sent(let endpoint, let url, let samples, let bytes, let seconds, let highest):
            let dimensions = [("remote_name", endpoint), ("url", url)]
            Counter(label: prefix + "samples_total", dimensions: dimensions).increment(by: samples)
            Counter(label: prefix + "bytes_total", dimensions: dimensions).increment(by: bytes)
            Timer(label: prefix + "sent_batch_duration_seconds", dimensions: dimensions)
                .recordNanoseconds(Int64(seconds * 1e9))
            Gauge(label: prefix + "highest_timestamp_in_seconds", dimensions: dimensions)
                .record(Double(highest) / 1000)
        case .retried(let endpoint, let url, let samples):
            Counter(label: prefix + "retried_samples_total", dimensions: [("remote_name", endpoint), ("url", url)])
                .increment(by: samples)
        case .failed(let endpoint, let url, let samples):
            Counter(label: prefix + "failed_samples_total", dimensions: [("remote_name", endpoint), ("url", url)])
                .increment(by: samples)
        case .dropped(let endpoint, let url, let samples):
            Counter(label: prefix + "dropped_samples_total", dimensions: [("remote_name", endpoint), ("url", url)])
                .increment(by: samples)
        case .pending(let endpoint, let url, let samples):
            Gauge(label: prefix + "pending_samples", dimensions: [("remote_name", endpoint), ("url", url)])
                .record(samples)
        }
    }
}
