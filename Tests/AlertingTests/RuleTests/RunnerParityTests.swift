import Alerting
import Foundation
import Synchronization
import Testing

/// `infermon rules test` prints what `promtool test rules` prints, byte for
/// byte, on files that pass and files that fail in every way promtool reports.
@Suite(.enabled(if: Promtool.isAvailable)) struct RunnerParityTests {
    static let rules = """
        groups:
          - name: g
            rules:
              - record: job:x:rate
                expr: sum by (job) (rate(x[5m]))
              - alert: High
                expr: job:x:rate > 1
                for: 2m
                labels: {severity: page}
                annotations:
                  summary: "{{ $labels.job }} {{ $value | humanize }} {{ $value }}"
        """

    static let failing = """
        rule_files: [r.yaml]
        evaluation_interval: 1m
        tests:
          - interval: 1m
            input_series:
              - series: 'x{job="a", i="0"}'
                values: '0+120x10'
              - series: 'x{job="b"}'
                values: '0+60x10'
            alert_rule_test:
              - eval_time: 5m
                alertname: High
                exp_alerts:
                  - exp_labels: {severity: page, job: a}
                    exp_annotations: {summary: "a 2 2"}
              - eval_time: 1m
                alertname: High
                exp_alerts:
                  - exp_labels: {severity: page, job: a, extra: "x\\n\\"y"}
                    exp_annotations: {empty: ""}
                  - exp_labels: {job: b}
            promql_expr_test:
              - expr: job:x:rate
                eval_time: 4m
                exp_samples:
                  - labels: 'job:x:rate{job="a"}'
                    value: 2
                  - labels: 'job:x:rate{job="b"}'
                    value: 3
              - expr: x +
                eval_time: 2m
              - expr: y
                eval_time: 90s
                exp_samples:
                  - labels: 'y'
                    value: 1.0999999999999999
          - name: named group
            interval: 1m
            input_series:
              - series: 'y'
                values: '0.1+0.1x10 stale _x2 1-1x3'
            alert_rule_test:
              - eval_time: 3m
                alertname: High
                exp_alerts:
                  - exp_labels: {job: nothing}
            promql_expr_test:
              - expr: y
                eval_time: 10m
                exp_samples:
                  - labels: 'y'
                    value: 1.0999999999999999
              - expr: y
                eval_time: 11m
                exp_samples: []
              - expr: count(y)
                eval_time: 14m
                exp_samples:
                  - labels: '{}'
                    value: 1
        """

    @Test(arguments: ["failing", "passing", "missing-alertname", "bad-rules"])
    func printsWhatPromtoolPrints(kind: String) async throws {
        let directory = try ScratchDirectory()
        try directory.write("r.yaml", Self.rules)
        var test = Self.failing
        switch kind {
        case "passing":
            test = """
                rule_files: [r.yaml]
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'x{job="a"}'
                        values: '0+120x10'
                    alert_rule_test:
                      - eval_time: 3m
                        alertname: High
                        exp_alerts:
                          - exp_labels: {severity: page, job: a}
                            exp_annotations: {summary: "a 2 2"}
                """
        case "missing-alertname":
            test = """
                rule_files: [r.yaml]
                tests:
                  - interval: 1m
                    name: unnamed alert
                    alert_rule_test:
                      - eval_time: 90s
                        exp_alerts: []
                """
        case "bad-rules":
            try directory.write("r.yaml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n")
        default: break
        }
        let file = try directory.write("t.yaml", test)
        let output = Mutex("")
        let errors = Mutex("")
        let runner = RuleTestRunner(
            standardOutput: { text in output.withLock { $0 += text } },
            standardError: { text in errors.withLock { $0 += text } })
        let passed = await runner.run(files: [file])
        let promtool = try await Promtool.run(["test", "rules", file])
        #expect(passed == (promtool.status == 0))
        #expect(output.withLock { $0 } == promtool.output)
        if kind == "bad-rules" {
            // Both name the file, the position and the parse error; the wording of the position differs.
            #expect(errors.withLock { $0 }.contains("unexpected end of input"))
            #expect(promtool.error.contains("unexpected end of input"))
        } else {
            #expect(errors.withLock { $0 } == promtool.error)
        }
    }
}
