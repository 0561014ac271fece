import Alerting
import Foundation
import InfermonCore
import Templates
import Testing

/// The alert state machine against Prometheus's own: random flapping series
/// and rules with every combination of `for` and `keep_firing_for` are run
/// through infermon's rule test runner, its firing alerts at every step are
/// written down as promtool expectations, and promtool must agree at each step.
@Suite(.enabled(if: Promtool.isAvailable)) struct StateMachineOracleTests {
    @Test(arguments: [1, 2, 3]) func firingMatchesPromtoolAtEveryStep(seed: UInt64) async throws {
        var random = SeededRandom(seed: seed)
        let directory = try ScratchDirectory()
        let rules = """
            groups:
              - name: flap
                rules:
                  - record: job:x:max
                    expr: max by (job) (x)
                  - alert: Immediate
                    expr: x > 0
                  - alert: Held
                    expr: x > 0
                    for: 3m
                  - alert: Kept
                    expr: x > 0
                    keep_firing_for: 2m
                  - alert: HeldAndKept
                    expr: job:x:max > 0
                    for: 2m
                    keep_firing_for: 3m
                    labels:
                      severity: '{{ if gt $value 1.0 }}page{{ else }}ticket{{ end }}'
                    annotations:
                      value: '{{ $value }}'

            """
        try directory.write("flap.rules.yaml", rules)
        let steps = 40
        var input = ""
        for series in 0..<3 {
            var values: [String] = []
            for _ in 0...steps {
                let roll = random.next() % 10
                values.append(roll < 4 ? "0" : (roll < 8 ? "1" : (roll == 8 ? "2" : "_")))
            }
            input +=
                "      - series: 'x{job=\"j\(series % 2)\", i=\"\(series)\"}'\n        values: '\(values.joined(separator: " "))'\n"
        }
        // First let infermon say what fires when: the runner's failure text lists it as "got".
        var probe =
            "rule_files: [flap.rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
            + input
        probe += "    alert_rule_test:\n"
        for minute in 0...steps {
            for name in ["Immediate", "Held", "Kept", "HeldAndKept"] {
                probe += "      - eval_time: \(minute)m\n        alertname: \(name)\n        exp_alerts: []\n"
            }
        }
        let probeFile = try directory.write("probe.test.yaml", probe)
        let runner = RuleTestRunner(standardOutput: { _ in }, standardError: { _ in })
        let failures = await runner.failures(of: probeFile)
        let ours = try Self.firing(from: failures)

        var test =
            "rule_files: [flap.rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
            + input
        test += "    alert_rule_test:\n"
        var firingSteps = 0
        for minute in 0...steps {
            for name in ["Immediate", "Held", "Kept", "HeldAndKept"] {
                let alerts = ours[Key(minute: minute, name: name)] ?? []
                firingSteps += alerts.isEmpty ? 0 : 1
                test += "      - eval_time: \(minute)m\n        alertname: \(name)\n        exp_alerts:"
                test += alerts.isEmpty ? " []\n" : "\n" + alerts.map { "          - \($0)\n" }.joined()
            }
        }
        let file = try directory.write("flap.test.yaml", test)
        let outcome = try await Promtool.run(["test", "rules", file])
        #expect(outcome.status == 0, "promtool disagrees:\n\(outcome.error.prefix(4000))")
        #expect(firingSteps > 20, "the scenario should fire often enough to mean something")
        // And infermon's own runner passes the file it helped write.
        #expect(await runner.failures(of: file).isEmpty)
    }

    struct Key: Hashable {
        var minute: Int
        var name: String
    }

    /// Reads "got" alerts out of promtool-style failure messages, as YAML flow mappings.
    static func firing(from failures: [String]) throws -> [Key: [String]] {
        var result: [Key: [String]] = [:]
        let header = try Regex(#"alertname: (\w+), time: ([0-9a-z]+), "#)
        let entry = try Regex(#"Labels:\{([^}]*)\}\s*Annotations:\{([^}]*)\}"#)
        for failure in failures {
            guard let head = try header.firstMatch(in: failure), let gotStart = failure.range(of: "got:") else {
                continue
            }
            let name = String(head.output[1].substring!)
            let minute = Int(PrometheusDuration.parse(String(head.output[2].substring!))! / 60_000)
            var alerts: [String] = []
            for match in failure[gotStart.upperBound...].matches(of: entry) {
                let labels = String(match.output[1].substring!).replacingOccurrences(of: "=", with: ": ")
                let annotations = String(match.output[2].substring!).replacingOccurrences(of: "=", with: ": ")
                alerts.append("exp_labels: {\(labels)}\n            exp_annotations: {\(annotations)}")
            }
            result[Key(minute: minute, name: name)] = alerts
        }
        return result
    }
}
