import InfermonCore
import InfermonTesting
import Logging
import Server
import Store
import Testing

/// `/metrics` over a real SQLite store: a label set that has been quiet for a
/// while still shows its counters (they carry forward, as an instant query at
/// now sees them), a label set without streamed requests shows no time to
/// first token, and the values are the events' totals.
@Suite("Event series exposition over the store")
struct MetricsExpositionStoreTests {
    @Test func quietLabelSetsKeepTheirLatestValuesAndUnobservedHistogramsAreLeftOut() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), eventWriter: true, logger: Logger(label: "t"))
        defer { store.close() }
        let now = SystemWallClock().now()
        // "quiet": three requests half an hour ago; "busy": two streamed requests a moment ago.
        let quiet = (0..<3).map {
            InferenceEvent(timestamp: now - 30 * 60_000 - Int64($0), requestID: "q\($0)", model: "quiet", latency: 0.2)
        }
        let busy = (0..<2).map {
            InferenceEvent(
                timestamp: now - 1_000 - Int64($0), requestID: "b\($0)", model: "busy", latency: 0.4,
                timeToFirstToken: 0.1)
        }
        try await store.write(IngestBatch(events: quiet + busy))

        let text = try EventSeriesExposition.render(querier: store, now: now)
        let values = Dictionary(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                let parts = line.split(separator: " ")
                return (String(parts[0]), Double(parts[1]) ?? .nan)
            }, uniquingKeysWith: { $1 })
        let quietRequests = values.first {
            $0.key.hasPrefix("infermon_requests_total{") && $0.key.contains(#"model="quiet""#)
        }
        #expect(quietRequests?.value == 3, "\(text)")
        let busyTTFT = values.first {
            $0.key.hasPrefix("infermon_time_to_first_token_seconds_count{") && $0.key.contains(#"model="busy""#)
        }
        #expect(busyTTFT?.value == 2, "\(text)")
        #expect(!text.contains(#"infermon_time_to_first_token_seconds_count{model="quiet""#), "\(text)")
        let quietDuration = values.first {
            $0.key.hasPrefix("infermon_request_duration_seconds_count{") && $0.key.contains(#"model="quiet""#)
        }
        #expect(quietDuration?.value == 3, "\(text)")
    }
}
