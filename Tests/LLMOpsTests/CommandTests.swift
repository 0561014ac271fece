import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

/// The commands, run as a user would: the real binary in a subprocess.
@Suite("pricing, budget, slo and stats commands")
struct CommandTests {
    static func infermon(_ arguments: [String], in directory: TemporaryDirectory) async throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let child = try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: arguments,
            outputPrefix: directory.file("run-\(arguments.first ?? "")-\(arguments.count)"))
        let status = try await child.wait()
        return (status, child.standardOutput(), child.standardError())
    }

    @Test func pricingCheckAcceptsTheShippedTableAndPointsAtMistakes() async throws {
        let directory = try TemporaryDirectory()
        let shipped = try await Self.infermon(
            ["pricing", "check", SLORuleTests.root + "/rules/pricing.yaml"], in: directory)
        #expect(shipped.status == 0, "\(shipped.stderr)")
        #expect(
            shipped.stdout.contains("anthropic") && shipped.stdout.contains("google")
                && shipped.stdout.contains("openai"))
        try TestFiles.append(
            "models:\n  - name: gpt-4o\n    provider: openai\n    prices: [{input: -2.5, output: 10}]\n",
            to: directory.file("bad.yaml"))
        let bad = try await Self.infermon(["pricing", "check", directory.file("bad.yaml")], in: directory)
        #expect(bad.status == 1)
        #expect(
            bad.stderr.contains("bad.yaml:4:22: models[0].prices[0].input: prices cannot be negative"), "\(bad.stderr)")
    }

    @Test func pricingCostShowsTheWorkingWithTheShippedPrices() async throws {
        let directory = try TemporaryDirectory()
        let table = SLORuleTests.root + "/rules/pricing.yaml"
        // o3 before and after its 2025-06-10 price cut: 1M prompt tokens, 1M completion of which half reasoning.
        let before = try await Self.infermon(
            [
                "pricing", "cost", "o3", "--prompt-tokens", "1000000", "--completion-tokens", "1000000",
                "--reasoning-tokens", "500000", "--at", "2025-06-09", "--file", table,
            ], in: directory)
        #expect(before.status == 0 && before.stdout.contains("$50\n"), "\(before.stdout)\(before.stderr)")
        let after = try await Self.infermon(
            [
                "pricing", "cost", "o3", "--prompt-tokens", "1000000", "--completion-tokens", "1000000",
                "--reasoning-tokens", "500000", "--at", "2025-06-10", "--file", table,
            ], in: directory)
        #expect(after.status == 0 && after.stdout.contains("$10\n"), "\(after.stdout)")
        let unknown = try await Self.infermon(["pricing", "cost", "llama-3.1-70b", "--file", table], in: directory)
        #expect(unknown.status == 1 && unknown.stderr.contains("unpriced"))
    }

    @Test func statsShowsUnpricedRequests() async throws {
        let fixture = try StoreFixture(now: Time.date(2030, 1, 1, hour: 1))
        let table = try PriceTable(entries: [
            try PriceEntry(
                pattern: .names(["gpt-4o"]), provider: "openai",
                periods: [PricePeriod(effectiveFrom: nil, prices: TokenPrices(input: 2.5, output: 10))])
        ])
        fixture.stages = [PricingStage(table: table), LLMCounterStage(slos: [])]
        let start = Time.date(2030, 1, 1)
        try await fixture.ingest([
            event(at: start, model: "gpt-4o", prompt: 10), event(at: start + 1, model: "llama-3.1-70b", prompt: 10),
            event(at: start + 2, model: "llama-3.1-70b", prompt: 10), event(at: start + 3, model: "mystery", prompt: 1),
        ])
        fixture.store.close()
        let stats = try await Self.infermon(
            ["stats", "--db", fixture.directory.file("store.db")], in: fixture.directory)
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("unpriced:       3 requests"), "\(stats.stdout)")
        #expect(stats.stdout.contains("  llama-3.1-70b: 2") && stats.stdout.contains("  mystery: 1"))
    }
}

/// `slo status` for an SLO that counted nothing says "no data" rather than a
/// burn rate of 0.00 and a full budget, which would read as a healthy service.
@Suite("slo status without data")
struct SLOStatusNoDataTests {
    @Test func anSLOWithNothingCountedSaysNoData() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            slos:
              - {name: availability, sli: availability, objective: 99.5%, period: 30d}
            """, to: directory.file("infermon.yaml"))
        let result = try await CommandTests.infermon(
            ["slo", "status", "--config", directory.file("infermon.yaml")], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let row = result.stdout.split(separator: "\n").first { $0.hasPrefix("availability") } ?? ""
        #expect(row.contains("no data") && !row.contains("0.00") && !row.contains("100.00%"), "\(result.stdout)")
    }
}
