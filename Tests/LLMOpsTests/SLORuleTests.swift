import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The generated Prometheus rules, checked by the real promtool.
@Suite("SLO alert rules")
struct SLORuleTests {
    /// promtool on $PATH, or nil.
    static let promtool: String? = {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/promtool", X_OK) == 0 {
            return "\(directory)/promtool"
        }
        return nil
    }()

    /// The repository root: the directory above this file holding Package.swift.
    static let root: String = {
        var directory = #filePath
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            if access(directory + "/Package.swift", F_OK) == 0 { break }
        }
        return directory
    }()

    static func run(_ executable: String, _ arguments: [String], in directory: TemporaryDirectory, name: String)
        async throws -> (status: Int32, output: String)
    {
        let child = try ChildProcess(
            executable: executable, arguments: arguments, outputPrefix: directory.file(name))
        let status = try await child.wait()
        return (status, child.standardOutput() + child.standardError())
    }

    @Test(.enabled(if: promtool != nil, "promtool is not installed (Debian package prometheus); skipped"))
    func theCommittedRulesAreCurrentAndPassPromtoolCheckAndTest() async throws {
        let directory = try TemporaryDirectory()
        // The committed file is exactly what the generator makes of the example configuration.
        let generated = try await Self.run(
            ChildProcess.infermonBinary(),
            [
                "slo", "rules", "--config", Self.root + "/deploy/infermon.example.yaml", "-o",
                directory.file("slo.yaml"),
            ],
            in: directory, name: "generate")
        #expect(generated.status == 0, "\(generated.output)")
        let fresh = String(decoding: try TestFiles.read(directory.file("slo.yaml")), as: UTF8.self)
        let committed = String(decoding: try TestFiles.read(Self.root + "/rules/slo.yaml"), as: UTF8.self)
        // The first line names the configuration file, here by its absolute path.
        func body(_ text: String) -> [Substring] {
            Array(text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst())
        }
        #expect(
            body(fresh) == body(committed),
            "rules/slo.yaml is stale: run infermon slo rules --config deploy/infermon.example.yaml -o rules/slo.yaml")

        // The budget alerts ship beside them, with their own tests.
        for name in ["slo", "budgets"] {
            let check = try await Self.run(
                Self.promtool!, ["check", "rules", Self.root + "/rules/\(name).yaml"], in: directory,
                name: "check-\(name)")
            #expect(check.status == 0, "\(check.output)")
            let test = try await Self.run(
                Self.promtool!, ["test", "rules", Self.root + "/rules/\(name).test.yaml"], in: directory,
                name: "test-\(name)")
            #expect(test.status == 0, "\(test.output)")
        }
    }

    /// Rules for another objective (99.9%, so thresholds 0.0144 and 0.006 …), with a
    /// test file written here: a fast burn pages, a slow one only opens a ticket,
    /// and a burn just under the page threshold does not page.
    @Test(.enabled(if: promtool != nil, "promtool is not installed (Debian package prometheus); skipped"))
    func generatedRulesForAnotherObjectivePageOnFastBurnsAndTicketOnSlowOnes() async throws {
        let directory = try TemporaryDirectory()
        let slo = ServiceLevelObjective(
            name: "checkout_latency", indicator: .latency(threshold: 2), objective: 0.999, period: .seconds(28 * 86_400)
        )
        let rules = SLORuleGenerator.ruleFile(for: [slo], source: "a test")
        try TestFiles.append(rules, to: directory.file("rules.yaml"))
        let check = try await Self.run(
            Self.promtool!, ["check", "rules", directory.file("rules.yaml")], in: directory, name: "check")
        #expect(check.status == 0, "\(check.output)")

        func series(_ result: String, _ values: String) -> String {
            """
                  - series: 'infermon_slo_events_total{slo="checkout_latency",result="\(result)"}'
                    values: '\(values)'
            """
        }
        func alerts(_ severities: [String]) -> String {
            if severities.isEmpty { return "        exp_alerts: []" }
            return "        exp_alerts:\n"
                + severities.map { severity in
                    let line = SLORuleGenerator.alerts.first { $0.severity == severity }!.conditions.map {
                        "\(String(format3: $0.burnRate))x over \($0.long.rawValue) and \($0.short.rawValue)"
                    }.joined(separator: ", or ")
                    return """
                                  - exp_labels: {severity: \(severity), slo: checkout_latency}
                                    exp_annotations:
                                      summary: 'SLO checkout_latency is burning its error budget (\(severity))'
                                      description: '99.9% of requests with latency <= 2s over 28d; burn rate \(line).'
                        """
                }.joined(separator: "\n")
        }
        // 1,000 requests a minute. Fast: 2% bad for an hour = burn 20 (> 14.4 over 1h and 5m).
        // Slow: 0.2% bad for 30 hours = burn 2 (> 1 over 3d and 6h, < 3 over 1d, < 6 over 6h).
        // Near miss: 5 clean hours, then 1.4% bad for 1h = burn 14: under 14.4 over 1h; over 6
        // for 30m but not for 6h (840 bad of 360,000 = burn 2.33): no page. 1d is at 2.33 < 3, so
        // no fast ticket either; 3d and 6h at 2.33 > 1 open the slow ticket.
        let test = """
            rule_files: [rules.yaml]
            evaluation_interval: 1m
            tests:
              - name: fast
                interval: 1m
                input_series:
            \(series("good", "0+980x60"))
            \(series("bad", "0+20x60"))
                alert_rule_test:
                  - eval_time: 60m
                    alertname: \(SLORuleGenerator.alertName)
            \(alerts(["page", "ticket"]))
              - name: slow
                interval: 1m
                input_series:
            \(series("good", "0+998x1800"))
            \(series("bad", "0+2x1800"))
                alert_rule_test:
                  - eval_time: 30h
                    alertname: \(SLORuleGenerator.alertName)
            \(alerts(["ticket"]))
              - name: near miss
                interval: 1m
                input_series:
            \(series("good", "0+1000x300 300986+986x59"))
            \(series("bad", "0+0x300 14+14x59"))
                alert_rule_test:
                  - eval_time: 360m
                    alertname: \(SLORuleGenerator.alertName)
            \(alerts(["ticket"]))

            """
        try TestFiles.append(test, to: directory.file("rules.test.yaml"))
        let result = try await Self.run(
            Self.promtool!, ["test", "rules", directory.file("rules.test.yaml")], in: directory, name: "test")
        #expect(result.status == 0, "\(result.output)\n\(test)")
    }
}

extension String {
    /// 14.4 → "14.4", 6 → "6", as the generator prints burn rates.
    init(format3 value: Double) {
        self = value == value.rounded() ? String(Int(value)) : String(value)
    }

}
