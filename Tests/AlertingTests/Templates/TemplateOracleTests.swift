import Alerting
import Foundation
import Templates
import Testing

/// Alert templates compared with Prometheus itself: every expansion infermon
/// makes is written into a promtool test file as the expected annotation,
/// and promtool must agree, character for character.
@Suite(.enabled(if: Promtool.isAvailable)) struct TemplateOracleTests {
    static let values: [(notation: String, value: Double)] = [
        ("0", 0), ("1", 1), ("-1", -1), ("0.5", 0.5), ("1.6", 1.6), ("1234", 1234), ("999.95", 999.95),
        ("1e30", 1e30), ("1e-30", 1e-30), ("0.0001234", 0.0001234), ("90061.5", 90061.5), ("0.0123", 0.0123),
        ("1048576", 1_048_576), ("123456789", 123_456_789), ("2.5e-7", 2.5e-7), ("-3700", -3700),
        ("0.123456", 0.123456), ("1e21", 1e21), ("100000", 100_000), ("1e6", 1e6), ("Inf", .infinity),
        ("-Inf", -.infinity), ("NaN", .nan), ("1700000000.5", 1_700_000_000.5), ("59.9999", 59.9999),
        ("-0.0004", -0.0004),
    ]

    static let templates: [String] = [
        "{{ $value }}", "{{ humanize $value }}", "{{ $value | humanize1024 }}", "{{ humanizePercentage $value }}",
        "{{ humanizeDuration $value }}", "{{ humanizeTimestamp $value }}", #"{{ printf "%.2f" $value }}"#,
        #"{{ printf "%v|%e|%g|%.3g|%E" $value $value $value $value $value }}"#,
        #"{{ printf "%08.3f|%+.1f" $value $value }}"#,
        #"{{ printf "%d" $value }}"#, #"{{ printf "%s" $value }}"#, #"{{ printf "%6.2f%%" $value }}"#,
        "{{ if gt $value 1.0 }}big{{ else if lt $value 0.0 }}negative{{ else }}small{{ end }}",
        "{{ $labels.i }}/{{ $labels.missing }}|{{ .Labels.i }}", "{{ $externalLabels.cluster }} {{ $externalURL }}",
        #"{{ reReplaceAll "([0-9])" "<$1>" $labels.i }}{{ reReplaceAll "x" "$1y" "axb" }}"#,
        #"{{ title "hello world-foo" }} {{ toUpper "abc" }} {{ toLower "ÀB" }}"#,
        #"{{ with $labels.i }}i={{ . }}{{ end }}{{ with $labels.nope }}never{{ else }}else{{ end }}"#,
        #"{{ range sortByLabel "job" (query "up") }}{{ .Labels.job }}={{ .Value }};{{ end }}|{{ with query "nothing" }}x{{ else }}none{{ end }}"#,
        #"{{ query "up" | len }} {{ len $labels }} {{ eq $labels.i "1" }} {{ ne 1 2 }}"#,
        #"{{ $x := 5 }}{{ $x }}{{ $x = 6 }}{{ $x }} {{ print 1 2 "a" "b" 3.5 }} {{ 1e6 }} {{ 3 }}"#,
        #"{{ and 1 0 }}|{{ or 0 "" "z" }}|{{ not 0 }}|{{ html "<a>&" }}|{{ js "a'b" }}|{{ urlquery "a b&c" }}"#,
        #"{{- "  trim  " -}}  x  {{/* comment */}}y"#, #"{{ if gt $value 1 }}never{{ end }}"#,
        #"{{ humanize "abc" }}"#, #"{{ printf "%q|%x|%X|%5s|%-5s|" "a\"b" 255 "hi" "ab" "cd" }}"#,
        #"{{ parseDuration "1h30m" }} {{ stripPort "host:80" }} {{ match "a.c" "abc" }} {{ args 1 "b" }}"#,
        #"{{ $labels }} {{ slice "abcdef" 1 3 }} {{ index $labels "i" }}"#,
    ]

    @Test func expansionsMatchPromtoolCharacterForCharacter() async throws {
        let directory = try ScratchDirectory()
        var rules =
            "groups:\n  - name: oracle\n    rules:\n      - alert: Oracle\n        expr: x\n        annotations:\n"
        for (index, template) in Self.templates.enumerated() {
            rules += "          a\(index): \(jsonQuoted(template))\n"
        }
        try directory.write("oracle.rules.yaml", rules)
        var test = """
            rule_files: [oracle.rules.yaml]
            evaluation_interval: 1m
            tests:
              - interval: 1m
                external_labels: {cluster: c1}
                external_url: http://prom.example:9090/sub
                input_series:
                  - series: 'up{job="api"}'
                    values: '1x3'
                  - series: 'up{job="db"}'
                    values: '0x3'

            """
        for (index, entry) in Self.values.enumerated() {
            let values = Array(repeating: entry.notation, count: 4).joined(separator: " ")
            test += "      - series: 'x{i=\"\(index)\"}'\n        values: '\(values)'\n"
        }
        test += "    alert_rule_test:\n      - eval_time: 2m\n        alertname: Oracle\n        exp_alerts:\n"
        var expanded = 0
        for (index, entry) in Self.values.enumerated() {
            test += "          - exp_labels: {i: \"\(index)\"}\n            exp_annotations:\n"
            for (position, text) in Self.templates.enumerated() {
                let template = try AlertTemplate(text, ruleName: "Oracle")
                let result = template.expand(
                    labels: ["__name__": "x", "i": "\(index)"], externalLabels: ["cluster": "c1"],
                    externalURL: "http://prom.example:9090/sub", value: entry.value,
                    query: { query in
                        // Both series of `up`, in the order promtool's storage returns them.
                        query == "up"
                            ? [
                                QuerySample(labels: ["__name__": "up", "job": "api"], value: 1),
                                QuerySample(labels: ["__name__": "up", "job": "db"], value: 0),
                            ] : []
                    })
                test += "              a\(position): \(jsonQuoted(result))\n"
                expanded += 1
            }
        }
        let file = try directory.write("oracle.test.yaml", test)
        let outcome = try await Promtool.run(["test", "rules", file])
        #expect(outcome.status == 0, "promtool disagrees:\n\(outcome.error.prefix(6000))")
        #expect(expanded == Self.values.count * Self.templates.count)
    }

    private func jsonQuoted(_ text: String) -> String {
        let data = try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast()).replacingOccurrences(of: "\\/", with: "/")
    }
}
