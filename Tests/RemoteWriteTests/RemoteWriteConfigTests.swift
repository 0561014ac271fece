import InfermonCore
import InfermonYAML
import Testing

@testable import RemoteWrite

@Suite("RemoteWrite configuration")
struct RemoteWriteConfigTests {
    private func parse(_ text: String) throws -> RemoteWriteConfig {
        try RemoteWriteConfig(yaml: YAMLValue.parse(text, file: "/etc/infermon/infermon.yaml"))
    }

    @Test func readsEveryField() throws {
        let config = try parse(
            """
            - url: https://mimir.example/api/v1/push
              name: mimir
              remote_timeout: 10s
              headers: {X-Scope-OrgID: team-a}
              bearer_token_file: mimir.token
              write_relabel_configs:
                - source_labels: [__name__]
                  regex: infermon_time_to_first_token_seconds_bucket
                  action: drop
                - source_labels: [model, route]
                  separator: "/"
                  regex: "gpt-.*/chat"
                  action: keep
              queue_config: {capacity: 1000, max_samples_per_send: 500, send_interval: 2s,
                             min_backoff: 100ms, max_backoff: 10s, delay: 0s}
            - url: http://127.0.0.1:8428/api/v1/write
            """)
        let mimir = config.endpoints[0]
        #expect(mimir.name == "mimir" && mimir.timeout == .seconds(10) && mimir.headers == ["X-Scope-OrgID": "team-a"])
        #expect(mimir.bearerTokenFile == "/etc/infermon/mimir.token")
        #expect(mimir.queue.capacity == 1000 && mimir.queue.maxSamplesPerSend == 500)
        #expect(
            mimir.queue.sendInterval == .seconds(2) && mimir.queue.minBackoff == .milliseconds(100)
                && mimir.queue.maxBackoff == .seconds(10))
        #expect(mimir.queue.delay == .zero)
        #expect(!mimir.relabel.admit(Labels(name: "infermon_time_to_first_token_seconds_bucket")))
        #expect(mimir.relabel.admit(Labels(name: "infermon_requests_total", ["model": "gpt-4o", "route": "chat"])))
        #expect(!mimir.relabel.admit(Labels(name: "infermon_requests_total", ["model": "gpt-4o", "route": "embed"])))
        // Unnamed: a stable name from the URL, as Prometheus names its queues.
        let victoria = config.endpoints[1]
        #expect(victoria.name == RemoteWriteEndpoint.defaultName(url: "http://127.0.0.1:8428/api/v1/write"))
        #expect(victoria.name.count == 6 && victoria.queue == RemoteWriteEndpoint.QueueOptions())
    }

    @Test(arguments: [
        ("- url: ftp://x", "http:// or https://"),
        ("- url: http://x\n  headers: {Content-Encoding: gzip}", "set by remote write itself"),
        ("- url: http://x\n  write_relabel_configs: [{source_labels: [a], action: replace}]", "one of"),
        ("- url: http://x\n- url: http://x", "distinct names"),
        ("- url: http://x\n  queue_config: {min_backoff: 10s, max_backoff: 1s}", "min_backoff"),
    ])
    func refusesMistakes(text: String, message: String) {
        #expect {
            try parse(text)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("infermon.yaml:")
        }
    }
}
