import InfermonCore
import InfermonYAML
import Logging
import Query
import Templates

/// Runs rule unit-test files as `promtool test rules` does, and reports in its
/// words and layout: for each test group the input series are loaded at
/// `interval` steps from time 0, every rule group is evaluated at each
/// `evaluation_interval` step up to the last `eval_time`, firing alerts are
/// compared at each alert test's time, then the PromQL tests run against
/// everything recorded.
public struct RuleTestRunner: Sendable {
    /// Where the report goes: promtool writes progress to stdout and failures to stderr.
    public let standardOutput: @Sendable (String) -> Void
    public let standardError: @Sendable (String) -> Void

    public init(
        standardOutput: @escaping @Sendable (String) -> Void, standardError: @escaping @Sendable (String) -> Void
    ) {
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    /// Runs every file; true when all passed.
    public func run(files: [String]) async -> Bool {
        var passed = true
        for file in files {
            standardOutput("Unit Testing:  \(file)\n")
            let failures = await failures(of: file)
            if failures.isEmpty {
                standardOutput("  SUCCESS\n")
            } else {
                passed = false
                standardError("  FAILED:\n")
                for failure in failures {
                    standardError(failure + "\n")
                    standardOutput("\n")
                }
            }
            standardOutput("\n")
        }
        return passed
    }

    /// The failure messages of one file (empty when it passes).
    public func failures(of file: String) async -> [String] {
        let testFile: RuleTestFile
        let loaded: (groups: [RuleGroupDefinition], errors: [InfermonError])
        do {
            testFile = try RuleTestFile.parse(try readTextFile(file), file: file)
            let directory = file.contains("/") ? String(file[..<file.lastIndex(of: "/")!]) : "."
            var paths: [String] = []
            for pattern in testFile.ruleFiles {
                let matched = try RuleFiles.expand([pattern], relativeTo: pattern.hasPrefix("/") ? nil : directory)
                if matched.isEmpty {
                    let shown = pattern.hasPrefix("/") ? pattern : directory + "/" + pattern
                    standardError("  WARNING: no file match pattern \(shown)\n")
                }
                paths += matched
            }
            loaded = RuleFiles.load(paths)
        } catch {
            return [(error as? InfermonError)?.description ?? "\(error)"]
        }
        var seen: Set<String> = []
        for name in testFile.groupEvalOrder where !seen.insert(name).inserted {
            return ["group name repeated in evaluation order: \(name)"]
        }
        var failures: [String] = []
        for test in testFile.tests {
            // As promtool, every test group loads the rule files and reports their errors.
            if !loaded.errors.isEmpty {
                failures += loaded.errors.map(\.description)
                continue
            }
            failures += await run(test, groups: loaded.groups, file: testFile)
        }
        return failures
    }

    private func run(_ test: RuleTestFile.TestGroup, groups: [RuleGroupDefinition], file: RuleTestFile) async
        -> [String]
    {
        let inGroup = test.name.isEmpty ? "" : " (in TestGroup \(test.name))"
        if let missing = test.alertTests.first(where: { $0.alertname.isEmpty }) {
            return [
                "an item under alert_rule_test misses required attribute alertname at eval_time "
                    + PrometheusDuration.format(missing.evalTime) + inGroup
            ]
        }
        let storage = MemorySeries()
        for input in test.inputSeries {
            var samples: [Sample] = []
            for (index, value) in input.values.enumerated() {
                guard let value else { continue }
                let time = Int64(index) * test.interval
                // Samples at one time after the first are refused, as a TSDB does.
                if let last = samples.last, last.timestamp >= time { continue }
                samples.append(Sample(time, value))
            }
            storage.add(input.labels, samples)
        }
        var options = RuleEvaluationOptions()
        options.defaultInterval = .milliseconds(file.evaluationInterval)
        options.externalLabels = test.externalLabels
        options.externalURL = test.externalURL
        let engine = QueryEngine(options: Self.queryOptions(subqueryStep: file.evaluationInterval))
        let manager = RuleManager(
            groups: groups, options: options, querier: storage, appender: storage, sink: nil, stateStore: nil,
            engine: engine, logger: Logger(label: "infermon.rules.test"))
        let evaluators = RuleManager.ordered(manager.evaluatorsForTesting, by: file.groupEvalOrder)

        var failures: [String] = []
        let alertTimes = Set(test.alertTests.map(\.evalTime)).sorted()
        let lastTime = max(test.alertTests.map(\.evalTime).max() ?? 0, test.expressionTests.map(\.evalTime).max() ?? 0)
        var next = 0
        var time: Int64 = 0
        while time <= lastTime {
            var evaluationErrors: [String] = []
            for evaluator in evaluators {
                await evaluator.evaluate(at: time)
                for record in await evaluator.rules {
                    if let error = record.lastError {
                        evaluationErrors.append(
                            "    rule: \(Self.name(record)), time: \(GoDuration.format(time)), err: \(error)")
                    }
                }
            }
            failures += evaluationErrors
            if !evaluationErrors.isEmpty { return failures }
            while next < alertTimes.count, time <= alertTimes[next], alertTimes[next] < time + file.evaluationInterval {
                let at = alertTimes[next]
                for alertTest in test.alertTests where alertTest.evalTime == at {
                    var got: [PromtoolAlert] = []
                    for evaluator in evaluators {
                        got += await evaluator.firingAlerts(named: alertTest.alertname).map(PromtoolAlert.init)
                    }
                    let expected = alertTest.expected.map { PromtoolAlert($0, alertname: alertTest.alertname) }
                    if got.sorted() != expected.sorted() {
                        let name = test.name.isEmpty ? "" : "    name: \(test.name),\n"
                        failures.append(
                            "\(name)    alertname: \(alertTest.alertname), time: \(PrometheusDuration.format(at)), \n"
                                + "        exp:\(PromtoolAlert.list(expected.sorted())), \n"
                                + "        got:\(PromtoolAlert.list(got.sorted()))")
                    }
                }
                next += 1
            }
            time += file.evaluationInterval
        }
        failures += expressionFailures(test, storage: storage, engine: engine)
        return failures
    }

    private func expressionFailures(_ test: RuleTestFile.TestGroup, storage: MemorySeries, engine: QueryEngine)
        -> [String]
    {
        var failures: [String] = []
        for check in test.expressionTests {
            let head =
                "    expr: \(GoPrintf.quote(check.expression)), time: \(PrometheusDuration.format(check.evalTime))"
            let query = RuleQuery(engine: engine, querier: storage, sketches: nil, limits: .unlimited)
            let got: [PromtoolSample]
            do {
                got = try query.vector(try PromQL.parse(check.expression), at: check.evalTime).map {
                    PromtoolSample(labels: $0.labels, value: $0.value)
                }
            } catch {
                failures.append("\(head), err: \(Self.message(error))")
                continue
            }
            var expected: [PromtoolSample] = []
            var broken: String?
            for sample in check.expected {
                do {
                    expected.append(
                        PromtoolSample(labels: try SeriesNotation.labels(sample.labels), value: sample.value))
                } catch {
                    broken = "labels \(GoPrintf.quote(sample.labels)): \(Self.message(error))"
                    break
                }
            }
            if let broken {
                failures.append("\(head), err: \(broken)")
                continue
            }
            let sortedExpected = expected.sorted { $0.labels < $1.labels }
            let sortedGot = got.sorted { $0.labels < $1.labels }
            if sortedExpected != sortedGot {
                failures.append(
                    "\(head),\n        exp: \(PromtoolSample.list(sortedExpected))\n        got: \(PromtoolSample.list(sortedGot))"
                )
            }
        }
        return failures
    }

    private static func message(_ error: any Error) -> String {
        (error as? InfermonError)?.message ?? "\(error)"
    }

    private static func name(_ record: RuleGroupEvaluator.RuleRecord) -> String {
        switch record.state {
        case .alerting(let state): state.rule.name
        case .recording(let state): state.rule.name
        }
    }

    static func queryOptions(subqueryStep: Int64) -> QueryOptions {
        var options = QueryOptions()
        options.defaultSubqueryStep = subqueryStep
        return options
    }
}

extension RuleManager {
    /// The group evaluators, for the test runner to drive directly.
    var evaluatorsForTesting: [RuleGroupEvaluator] { evaluatorsSnapshot() }
}
