import InfermonConfig
import InfermonCore
import Judge
import Quality
import Testing

@Suite struct QualitySectionTests {
    @Test func defaultsWithoutASection() throws {
        let config = try ConfigurationLoader.load(text: "", file: "c.yaml")
        #expect(config.quality.enabled)
        #expect(config.quality.options.sampler.defaultRate == 0.05)
        #expect(config.llmJudge == nil)
        #expect(config.quality.scanners.sensitiveData)
    }

    @Test func readsEveryKey() throws {
        let text = """
            quality:
              sampling:
                default_rate: 0.1
                rules:
                  - {model: gpt-4o, route: /support, rate: 1}
                  - {route: /batch, rate: 0}
              settle_time: 2m
              interval: 30s
              windows: [1h, 1d]
              min_samples: 50
              groundedness: {enabled: true, threshold: 0.3}
              feedback: {enabled: false, thumbs_down_at_or_below: 0.25}
              judgment_retention: 14d
              llm_judge:
                url: http://127.0.0.1:8000/v1/chat/completions
                model: judge
                api_key_env: JUDGE_KEY
                timeout: 20s
                concurrency: 2
                max_events_per_hour: 100
                max_spend_per_day_usd: 1.5
                price_per_million_input_tokens: 0.5
                price_per_million_output_tokens: 1.5
              scanners: {exfiltration: false, allowed_hosts: [Docs.Example.com]}
            """
        let config = try ConfigurationLoader.load(text: text, file: "c.yaml")
        let quality = config.quality.options
        #expect(quality.sampler.defaultRate == 0.1)
        #expect(quality.sampler.rules.count == 2)
        #expect(quality.sampler.rules[1].model == nil && quality.sampler.rules[1].route == "/batch")
        #expect(quality.settleTime == .seconds(120) && quality.interval == .seconds(30))
        #expect(quality.windows == [.seconds(3600), .seconds(86_400)])
        #expect(quality.minimumSamples == 50)
        #expect(quality.groundedness.threshold == 0.3)
        #expect(!quality.feedbackEnabled && quality.thumbsDownAtOrBelow == 0.25)
        #expect(quality.judgmentRetention == .seconds(14 * 86_400))
        let judge = try #require(config.llmJudge)
        #expect(judge.apiKeyEnvironmentVariable == "JUDGE_KEY" && judge.apiKeyFile == nil)
        #expect(judge.timeout == .seconds(20) && judge.concurrency == 2 && judge.maxEventsPerHour == 100)
        #expect(judge.maxSpendPerDay == 1.5 && judge.inputPricePerMillion == 0.5)
        #expect(judge.promptTemplateFile == "rules/judge-prompt.txt")
        #expect(!config.quality.scanners.exfiltration && config.quality.scanners.sensitiveData)
        #expect(config.quality.scanners.allowedHosts == ["docs.example.com"])
    }

    @Test(arguments: [
        ("quality:\n  sampling: {default_rate: 1.5}\n", "between 0 and 1"),
        ("quality:\n  sampling:\n    rules:\n      - {rate: 0.5}\n", "needs model or route"),
        ("quality:\n  llm_judge: {url: ftp://x, model: m}\n", "http://"),
        ("quality:\n  llm_judge: {url: http://x, model: m, api_key_env: A, api_key_file: /k}\n", "not both"),
        ("quality:\n  scaners: {}\n", "did you mean \"scanners\""),
        ("quality:\n  windows: [0s]\n", "longer than zero"),
    ])
    func rejectsMistakesWithTheirPosition(_ text: String, _ message: String) {
        do {
            _ = try ConfigurationLoader.load(text: text, file: "c.yaml")
            Issue.record("accepted: \(text)")
        } catch let error as InfermonError {
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.hasPrefix("c.yaml:"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
