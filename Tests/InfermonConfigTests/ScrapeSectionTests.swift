import InfermonConfig
import InfermonCore
import Scrape
import Testing

@Suite("Scrape configuration")
struct ScrapeSectionTests {
    func load(_ text: String) throws -> Configuration {
        try ConfigurationLoader.load(text: text, file: "/etc/infermon/infermon.yaml")
    }

    func error(_ text: String) -> InfermonError? {
        do {
            _ = try load(text)
            return nil
        } catch {
            return error as? InfermonError
        }
    }

    @Test func noScrapeSectionMeansNoJobs() throws {
        #expect(try load("").scrape == ScrapeConfig())
        #expect(try load("").scrape.jobs.isEmpty)
    }

    @Test func jobsInheritDefaultsAndOverrideThem() throws {
        let config = try load(
            """
            scrape:
              interval: 30s
              timeout: 20s
              jobs:
                - name: vllm
                  targets: ["127.0.0.1:8000", "gpu-2:8000"]
                  interval: 5s
                  timeout: 2s
                  metrics_path: /metrics
                  bearer_token_file: vllm.token
                  labels: {cluster: gpu-a, tier: prod}
                - name: dcgm
                  targets: gpu-1:9400
                  scheme: https
                - name: fast
                  targets: ["127.0.0.1:9000"]
                  interval: 10s
            """)
        let jobs = config.scrape.jobs
        try #require(jobs.count == 3)
        #expect(jobs[0].name == "vllm" && jobs[0].targets.allSatisfy { $0.job == "vllm" })
        #expect(jobs[0].targets.map(\.address) == ["127.0.0.1:8000", "gpu-2:8000"])
        let vllm = jobs[0].targets[1]
        #expect(vllm.interval == .seconds(5) && vllm.timeout == .seconds(2))
        #expect(vllm.labels == ["cluster": "gpu-a", "tier": "prod"])
        #expect(vllm.bearerTokenFile == "/etc/infermon/vllm.token", "relative to the config file")
        let dcgm = jobs[1].targets[0]
        #expect(
            jobs[1].targets.map(\.address) == ["gpu-1:9400"] && dcgm.scheme == "https" && dcgm.metricsPath == "/metrics"
        )
        #expect(dcgm.interval == .seconds(30) && dcgm.timeout == .seconds(20))
        #expect(jobs[2].targets[0].timeout == .seconds(10), "the default timeout is capped by a shorter interval")
    }

    @Test func mistakesAreReportedWithTheirPosition() {
        let cases: [(String, String)] = [
            (
                "scrape:\n  jobs:\n    - name: v\n      targets: [\"http://127.0.0.1:8000/metrics\"]\n",
                "infermon.yaml:4:17: scrape.jobs[0].targets[0]: targets are host:port"
            ),
            ("scrape:\n  jobs:\n    - name: v\n      targets: [\"localhost\"]\n", "expected host:port"),
            ("scrape:\n  jobs:\n    - name: v\n      targets: []\n", "at least one host:port target"),
            ("scrape:\n  jobs:\n    - targets: [\"a:1\"]\n", "missing required key \"name\""),
            (
                "scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"]}\n    - {name: v, targets: [\"b:1\"]}\n",
                "defined twice"
            ),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\", \"a:1\"]}\n", "listed twice"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], interval: 5s, timeout: 10s}\n", "timeout must not"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], metrics_path: metrics}\n", "must start with /"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], scheme: ftp}\n", "not one of http, https"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], labels: {__meta: x}}\n", "not a label name"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], labels: {1st: x}}\n", "not a label name"),
            ("scrape:\n  jobs:\n    - {name: v, targets: [\"a:1\"], intervall: 5s}\n", "did you mean \"interval\""),
            ("scrape:\n  interval: 0s\n", "longer than zero"),
        ]
        for (text, message) in cases {
            let found = error(text)
            #expect(found?.description.contains(message) == true, "\(text): \(found?.description ?? "no error")")
        }
    }
}
