import Alerting
import Foundation
import InfermonCore
import Testing

/// `infermon rules check` against `promtool check rules` on a corpus of rule
/// files: whatever infermon accepts, promtool accepts, and infermon refuses
/// what promtool refuses; the few places where infermon is stricter on
/// purpose are listed and checked to stay that way.
@Suite(.enabled(if: Promtool.isAvailable)) struct CheckParityTests {
    static func alert(_ body: String) -> String {
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n" + body
    }

    static func annotation(_ template: String) -> String {
        alert("        annotations:\n          summary: '\(template.replacingOccurrences(of: "'", with: "''"))'\n")
    }

    /// Files both must accept or both refuse.
    static let corpus: [String] = [
        "", "groups: []", "foo: 1",
        alert(""), alert("        for: 5m\n        keep_firing_for: 1h30m\n"), alert("        for: 1.5m\n"),
        alert("        for: 5m1h\n"), alert("        for: -1m\n"), alert("        for: 0\n"),
        alert("        extra: 1\n"),
        alert("        labels: {severity: page, team: \"{{ $labels.job }}\"}\n"), alert("        labels: {1abc: x}\n"),
        alert("        labels: {__name__: x}\n"), alert("        labels: {a: 1, b: true}\n"),
        alert("        annotations: {bad-name: x}\n"),
        "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n",
        "groups:\n  - name: g\n    rules:\n      - record: job:x:sum\n        expr: sum(x)\n        for: 5m\n",
        "groups:\n  - name: g\n    rules:\n      - record: 'a{b}'\n        expr: x\n",
        "groups:\n  - name: g\n    rules:\n      - record: 1abc\n        expr: x\n",
        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x\n        annotations: {a: b}\n",
        "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: x\n        labels: {a: '{{ nosuch }}'}\n",
        "groups:\n  - name: g\n    rules:\n      - record: r\n        alert: A\n        expr: x\n",
        "groups:\n  - name: g\n    rules:\n      - expr: x\n",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: 'sum(rate(x[5m]) by (a)'\n",
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: |\n          sum by (a) (\n            rate(x[5m])\n          ) > 1\n",
        "groups:\n  - name: g\n    rules: []\n  - name: g\n    rules: []\n",
        "groups:\n  - name: ''\n    rules: []\n",
        "groups:\n  - name: g\n    interval: 30s\n    limit: 10\n    rules: []\n",
        "groups:\n  - name: g\n    interval: 30x\n    rules: []\n",
        "groups:\n  - name: g\n    labels: {a: b}\n    rules: []\n",
        "groups:\n  - name: g\n    query_offset: 1m\n    rules: []\n",
        annotation("{{ $labels.job }} {{ $value | humanize }} {{ $externalLabels.x }} {{ $externalURL }}"),
        annotation("{{ $labels.job"), annotation("{{ $nosuch }}"), annotation("{{ nosuchfunc 1 }}"),
        annotation("{{ if gt $value 1.0 }}a{{ else if lt $value 0.0 }}b{{ else }}c{{ end }}"),
        annotation("{{ if }}x{{ end }}"), annotation("{{ end }}"), annotation("{{ if true }}x"),
        annotation("{{ range $i, $e := query \"up\" }}{{ $i }}{{ $e.Value }}{{ end }}"),
        annotation("{{ with $labels.x }}{{ . }}{{ else }}none{{ end }}"),
        annotation("{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}"),
        annotation("{{ define \"t\" }}in{{ end }}{{ template \"t\" . }}"), annotation("{{ template \"missing\" }}"),
        annotation("{{/* a comment */}}x{{- \" y \" -}} z"), annotation("{{/* unclosed }}"),
        annotation("{{ printf \"%d\" 3 | printf \"%s\" }}"), annotation("{{ \"a\" | }}"), annotation("{{ | \"a\" }}"),
        annotation("{{ (1 }}"), annotation("{{ 1) }}"), annotation("{{ \"unterminated }}"), annotation("{{ 'a' }}"),
        annotation("{{ .Labels.job }} {{ .Value }} {{ .Nothing }}"), annotation("{{ $labels.job.sub }}"),
        annotation("{{ humanizeDuration $value | title | toUpper | toLower }}"),
        annotation("{{ reReplaceAll \"(a+)\" \"$1\" $labels.x }} {{ safeHtml \"<b>\" }} {{ match \"a\" \"b\" }}"),
        annotation(
            "{{ graphLink \"up\" }} {{ tableLink \"up\" }} {{ pathPrefix }} {{ externalURL }} {{ sortByLabel \"a\" (query \"up\") }}"
        ),
        annotation(
            "{{ toTime 1 }} {{ parseDuration \"1h\" }} {{ stripPort \"a:1\" }} {{ args 1 2 }} {{ strvalue (query \"up\" | first) }}"
        ),
        annotation("{{ range query \"up\" }}{{ break }}{{ end }}"), annotation("{{ break }}"),
        annotation("{{ $x := 1 }}{{ $x = 2 }}"), annotation("{{ $y = 2 }}"),
        annotation("{{ 0x1F }} {{ 1e3 }} {{ -2 }} {{ .5 }}"),
        annotation("{{ \"\\d\" }}"), annotation("{{ nil }}"), annotation("{{ else }}"), annotation("}} {{"),
        annotation("{{- /* trimmed comment */ -}}"), annotation("{{ block \"b\" . }}default{{ end }}"),
    ]

    /// Files infermon refuses though promtool accepts them (on purpose).
    static let stricter: [String] = [
        // infermon's engine has no `@` modifier.
        alert("").replacingOccurrences(of: "up == 0", with: "up @ 100 == 0"),
        // A negative limit means nothing.
        "groups:\n  - name: g\n    limit: -1\n    rules: []\n",
    ]

    @Test func acceptsExactlyWhatPromtoolAccepts() async throws {
        let directory = try ScratchDirectory()
        var disagreements: [String] = []
        for (index, text) in Self.corpus.enumerated() {
            let file = try directory.write("case\(index).yaml", text)
            let ours = RuleFileParser.parse(text, file: file).errors
            let theirs = try await Promtool.run(["check", "rules", file])
            if ours.isEmpty != (theirs.status == 0) {
                disagreements.append(
                    "case \(index): infermon \(ours.isEmpty ? "accepts" : "refuses: \(ours)"), promtool "
                        + "\(theirs.status == 0 ? "accepts" : "refuses: \(theirs.error)")\n\(text)")
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n---\n"))")
    }

    @Test func isStricterOnlyWhereIntended() async throws {
        let directory = try ScratchDirectory()
        for (index, text) in Self.stricter.enumerated() {
            let file = try directory.write("strict\(index).yaml", text)
            #expect(!RuleFileParser.parse(text, file: file).errors.isEmpty, "\(text)")
            #expect(try await Promtool.run(["check", "rules", file]).status == 0, "\(text)")
        }
    }

    @Test func refusesExtensionsUnlessAsked() async throws {
        let text =
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sketch_quantile_over_time(0.99, x[5m]) > 1\n"
        let directory = try ScratchDirectory()
        let file = try directory.write("ext.yaml", text)
        let refused = RuleFileParser.parse(text, file: file).errors
        #expect(refused.count == 1 && refused[0].message.contains("infermon extension"))
        #expect(RuleFileParser.parse(text, file: file, options: .init(allowExtensions: true)).errors.isEmpty)
        #expect(try await Promtool.run(["check", "rules", file]).status != 0)
    }
}
