import Alerting
import InfermonConfig
import InfermonCore
import Testing

@Suite("global: section")
struct GlobalSectionTests {
    func load(_ text: String, environment: [String: String] = [:]) throws -> Configuration {
        try YAMLValue.$environment.withValue(environment) {
            try ConfigurationLoader.load(text: text, file: "infermon.yaml")
        }
    }

    func message(_ text: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try load(text, environment: environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsToNoLabelsAndTheReplicaLabelNamedReplica() throws {
        let config = try load("")
        #expect(config.global.externalLabels.isEmpty)
        #expect(config.global.replicaLabel == "replica")
        #expect(config.ruleEvaluation.externalLabels.isEmpty)
    }

    @Test func alertsGetEveryExternalLabelButTheReplica() throws {
        let config = try load(
            """
            global:
              external_labels: {cluster: prod-eu, replica: a, region: eu}
            """)
        #expect(config.global.externalLabels == Labels(["cluster": "prod-eu", "replica": "a", "region": "eu"]))
        #expect(config.global.alertLabels == Labels(["cluster": "prod-eu", "region": "eu"]))
        #expect(config.ruleEvaluation.externalLabels == Labels(["cluster": "prod-eu", "region": "eu"]))
    }

    @Test func theReplicaLabelCanBeRenamed() throws {
        let config = try load(
            """
            global:
              replica_label: prometheus_replica
              external_labels: {cluster: c, prometheus_replica: b, replica: kept}
            """)
        #expect(config.ruleEvaluation.externalLabels == Labels(["cluster": "c", "replica": "kept"]))
    }

    @Test func valuesReadTheEnvironment() throws {
        let text = """
            global:
              external_labels: {cluster: c, replica: "${INFERMON_REPLICA}", zone: "${ZONE:-z1}"}
            """
        let config = try load(text, environment: ["INFERMON_REPLICA": "b"])
        #expect(config.global.externalLabels == Labels(["cluster": "c", "replica": "b", "zone": "z1"]))
        let unset = try #require(message(text))
        #expect(unset.contains("INFERMON_REPLICA is not set"), "\(unset)")
        #expect(unset.contains("infermon.yaml:2:"), "\(unset)")
    }

    /// Beside the HA settings: how often firing alerts are re-sent, which sets how long their `endsAt` holds.
    @Test func alertResendDelayIsRead() throws {
        #expect(try load("").ruleEvaluation.resendDelay == .seconds(60))
        #expect(try load("alert_resend_delay: 2s\n").ruleEvaluation.resendDelay == .seconds(2))
        let error = try #require(message("alert_resend_delay: 10ms\n"))
        #expect(error.contains("infermon.yaml:1:21") && error.contains("at least 100ms"), "\(error)")
    }

    @Test func badNamesAndValuesAreReportedWithTheirPosition() throws {
        let cases: [(text: String, expected: String)] = [
            ("global:\n  external_labels: {0zone: a}\n", "infermon.yaml:2:"),
            ("global:\n  external_labels: {__name__: a}\n", "\"__name__\" is not a valid label name"),
            ("global:\n  external_labels:\n    cluster: \"\"\n", "infermon.yaml:3:14"),
            ("global:\n  external_labels:\n    cluster: \"\"\n", "empty value"),
            ("global:\n  external_labels: [a]\n", "infermon.yaml:2:"),
            ("global:\n  replica_label: re-plica\n", "\"re-plica\" is not a valid label name"),
            ("global:\n  externl_labels: {a: b}\n", "did you mean \"external_labels\""),
            // The old top-level key is refused rather than silently ignored.
            ("external_labels: {cluster: c}\n", "unknown key \"external_labels\""),
        ]
        for (text, expected) in cases {
            let error = try #require(message(text), "\(text) should not load")
            #expect(error.contains(expected), "\(text): \(error)")
        }
    }
}
