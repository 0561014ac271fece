import Canary
import InfermonCore
import InfermonYAML
import Testing

@Suite("Canary verdicts")
struct VerdictTests {
    /// Equal versions and plenty of traffic: every metric ends within its margin: promote.
    /// (A false rollback happens with probability at most alpha, 0.05; seed 6 is not one.)
    @Test func equalVersionsArePromotedOnceTheMarginsAreMet() {
        var simulation = CanarySimulation()
        simulation.requests = 40000
        simulation.metrics = [.errors, .quantile(.latency, 0.9), .mean(.latency)]
        var definition = simulation.definition
        definition.margins = ["errors": 0.01, "latency_p90": 0.5, "latency_mean": 0.1]
        let report = CanaryEvaluator.evaluate(simulation.observations(seed: 6), definition: definition)
        #expect(report.verdict == .promote, "\(report.reason) \(report.metrics)")
        #expect(report.verdict.exitCode == 0)
        // Few requests: hold, not promote.
        simulation.requests = 700
        let early = CanaryEvaluator.evaluate(simulation.observations(seed: 6), definition: definition)
        #expect(early.verdict == .hold, "\(early.reason)")
    }

    /// Shadow traffic: each request id served by both versions. The candidate is
    /// 5 % slower on every request, too little to see between independent arms of
    /// this size but plain request by request; predictions disagree on 20 %.
    @Test func shadowTrafficIsComparedPairByPair() {
        var random = SeededRandom(seed: 9)
        var observations: [CanaryObservation] = []
        for index in 0..<1500 {
            let latency = random.logNormal(median: 1, sigma: 0.8)
            let label = random.chance(0.5) ? "yes" : "no"
            let id = "r\(index)"
            observations.append(
                CanaryObservation(
                    timestamp: Timestamp(2 * index), candidate: false, latency: latency, requestID: id,
                    prediction: label))
            observations.append(
                CanaryObservation(
                    timestamp: Timestamp(2 * index + 1), candidate: true, latency: latency * 1.05, requestID: id,
                    prediction: random.chance(0.2) ? (label == "yes" ? "no" : "yes") : label))
        }
        var definition = CanaryDefinition(
            name: "shadow", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        definition.metrics = [.mean(.latency), .agreement]
        definition.warmup = 100
        let report = CanaryEvaluator.evaluate(observations, definition: definition)
        #expect(report.mode == "shadow")
        #expect(report.pairs == 1500)
        let latency = try? #require(report.metrics.first { $0.metric == "latency_mean" })
        #expect(latency?.paired == true)
        #expect(latency?.status == .worse, "\(String(describing: latency))")
        let agreement = report.metrics.first { $0.metric == "agreement" }
        #expect(agreement?.status == .worse, "disagreement 20 % > margin 5 %: \(String(describing: agreement))")
        #expect(report.verdict == .rollback)
        // Unpaired, the same data (ids dropped) cannot tell the 5 % yet.
        definition.pairing = false
        definition.metrics = [.mean(.latency)]
        let unpaired = CanaryEvaluator.evaluate(observations, definition: definition)
        #expect(unpaired.mode == "split")
        #expect(unpaired.verdict == .hold, "\(unpaired.reason)")
    }

    /// Per-tenant reports: the regression is only in one tenant's traffic.
    @Test func perTenantBreakdownFindsTheTenant() {
        var random = SeededRandom(seed: 4)
        var observations: [CanaryObservation] = []
        for index in 0..<12000 {
            let candidate = random.chance(0.5)
            let tenant = index % 2 == 0 ? "acme" : "globex"
            let failed = random.chance(candidate && tenant == "acme" ? 0.06 : 0.01)
            observations.append(
                CanaryObservation(timestamp: Timestamp(index), candidate: candidate, failed: failed, tenant: tenant))
        }
        var definition = CanaryDefinition(
            name: "t", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        definition.metrics = [.errors]
        let report = CanaryEvaluator.evaluate(observations, definition: definition, byTenant: true)
        #expect(report.verdict == .rollback)
        #expect(report.tenants?["acme"]?.verdict == .rollback)
        #expect(report.tenants?["globex"]?.verdict != .rollback)
    }

    @Test func metricNamesParse() throws {
        #expect(try CanaryMetric.parse("latency_p99") == [.quantile(.latency, 0.99)])
        #expect(try CanaryMetric.parse("ttft_p90") == [.quantile(.ttft, 0.9)])
        #expect(try CanaryMetric.parse("latency_p999") == [.quantile(.latency, 0.999)])
        #expect(try CanaryMetric.parse("drift") == [.drift(.promptTokens), .drift(.completionTokens)])
        #expect(CanaryMetric.quantile(.latency, 0.999).name == "latency_p999")
        #expect(throws: InfermonError.self) { try CanaryMetric.parse("latency_p100") }
        #expect(try CanaryMetric.parse("hallucination") == [.hallucination])
        #expect(throws: InfermonError.self) { try CanarySelector(parsing: "version=2") }
        #expect(
            try CanarySelector(parsing: "model=m,model_version=2").matchers == ["model": "m", "model_version": "2"])
    }

    @Test func theSectionDecodesWithLocatedErrors() throws {
        let yaml = """
            interval: 10s
            rollouts:
              - name: chat-v2
                baseline: {model_version: A}
                candidate: model_version=B
                match: {route: /v1/chat}
                metrics: [errors, latency_p99, drift]
                alpha: 0.01
                min_effect: {errors: 0.02}
                traffic_share: 0.1
                window: 1h
            """
        let config = try CanaryConfig(yaml: try YAMLValue.parse(yaml, file: "c.yaml"))
        #expect(config.interval == .seconds(10))
        let rollout = try #require(config.rollouts.first)
        #expect(rollout.candidate.matchers == ["model_version": "B"])
        #expect(rollout.common == ["route": "/v1/chat"])
        #expect(rollout.metrics.count == 4)
        #expect(rollout.margin(.errors) == 0.02)
        #expect(rollout.trafficShare == 0.1)
        #expect(rollout.window == .seconds(3600))
        let bad =
            "rollouts:\n  - name: x\n    baseline: {model_version: A}\n    candidate: {model_version: B}\n    metrics: [latency_p101]\n"
        #expect {
            try CanaryConfig(yaml: try YAMLValue.parse(bad, file: "c.yaml"))
        } throws: { error in
            "\(error)".contains("c.yaml:5:") && "\(error)".contains("not a canary metric")
        }
    }
}
