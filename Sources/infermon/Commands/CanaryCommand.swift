import ArgumentParser
import AsyncHTTPClient
import Canary
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import NIOCore
import NIOHTTP1
import Store

struct CanaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Is the candidate version worse than the baseline? promote, hold or rollback, with a stated error.",
        discussion: """
            Reads both arms' requests from the store (the rollout starts at the first request within --window) \
            and tests each metric with an always-valid confidence sequence (a mixture SPRT), so the verdict can be \
            read at any moment: under no difference, rollback is said with probability at most --alpha however \
            often you look (Bonferroni: alpha/m per metric). rollback: some metric is worse; promote: every \
            metric is within its margin (--min-effect); hold: not yet known. invalid: the candidate's share of \
            traffic is not --traffic-share (sample ratio mismatch). Requests with the same request id in both \
            arms (shadow traffic) are compared pair by pair. \
            Exit status: 0 promote, 1 hold, 2 rollback, 3 invalid, 4 error. \
            With NAME, the rollout comes from the configuration's canaries.rollouts; options given override it.
            """)

    @OptionGroup var store: StoreOptionsGroup
    @Argument(help: ArgumentHelp("A rollout of the configuration's canaries: section.", valueName: "name"))
    var name: String?
    @Option(help: ArgumentHelp("The baseline arm: label=value[,label=value].", valueName: "labels"))
    var baseline: String?
    @Option(help: ArgumentHelp("The candidate arm: label=value[,label=value].", valueName: "labels"))
    var candidate: String?
    @Option(help: ArgumentHelp("Only this route (both arms).", valueName: "route")) var route: String?
    @Option(help: ArgumentHelp("Only this model (both arms).", valueName: "model")) var model: String?
    @Option(help: ArgumentHelp("Comma-separated: \(CanaryMetric.accepted).", valueName: "list"))
    var metrics: String?
    @Option(help: ArgumentHelp("Family-wise error rate of rollback (default 0.05).", valueName: "alpha"))
    var alpha: Double?
    @Option(
        help: ArgumentHelp(
            "Margins for promote, e.g. errors=0.01,latency_p99=0.5,cost=0.1 (see README: Canary).", valueName: "list"))
    var minEffect: String?
    @Option(help: ArgumentHelp("How far back the rollout is read (default 2h).", valueName: "duration"))
    var window: String?
    @Option(
        help: ArgumentHelp("The candidate's configured share of traffic (enables the SRM check).", valueName: "share"))
    var trafficShare: Double?
    @Option(help: ArgumentHelp("Requests per arm before a metric decides (default 100).", valueName: "n"))
    var minSamples: Int?
    @Option(help: ArgumentHelp("Baseline requests fixing thresholds before quantiles are tested.", valueName: "n"))
    var warmup: Int?
    @Option(name: .customLong("by"), help: ArgumentHelp("Also per tenant.", valueName: "tenant"))
    var by: String?
    @Option(help: ArgumentHelp("The moment to evaluate (default now).", valueName: "time")) var at: String = "now"
    @Option(help: ArgumentHelp("table or json.", valueName: "format")) var format: CanaryFormat = .table
    @Flag(help: "Evaluate again every --interval until the verdict is promote, rollback or invalid.") var watch = false
    @Option(help: ArgumentHelp("Time between evaluations with --watch.", valueName: "duration"))
    var interval: String = "10s"
    @Option(help: ArgumentHelp("With --watch: stop after this long with hold.", valueName: "duration"))
    var timeout: String?
    @Option(help: ArgumentHelp("POST the final verdict as JSON to this URL.", valueName: "url")) var webhook: String?

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let definition: CanaryDefinition
        let configuration: Configuration
        do {
            configuration = try store.loadConfiguration()
            definition = try makeDefinition(configuration)
        } catch {
            throw failCanary(error)
        }
        guard let pause = TimeParsing.durationMillis(interval), pause > 0 else {
            throw failCanary(InfermonError.invalidArgument("--interval expects a duration such as 10s"))
        }
        let deadline = try timeout.map { text -> Timestamp in
            guard let millis = TimeParsing.durationMillis(text) else {
                throw failCanary(InfermonError.invalidArgument("--timeout expects a duration such as 30m"))
            }
            return SystemWallClock().now() + millis
        }
        let backend: StoreBackend
        do {
            backend = try await StoreBackend.openForCommand(config: configuration, environment: processEnvironment)
        } catch {
            throw failCanary(error)
        }
        var report: CanaryReport
        while true {
            do {
                let now = SystemWallClock().now()
                let moment = try parseCommandTime(at, now: now)
                report = try definition.evaluate(reader: backend.store, now: moment, byTenant: by != nil)
            } catch {
                await backend.store.closeStore()
                throw failCanary(error)
            }
            if watch {
                print(CanaryRenderer.line(report, at: SystemWallClock().now()))
                fflush(nil)
                let timedOut = deadline.map { SystemWallClock().now() >= $0 } ?? false
                if report.verdict != .hold || timedOut { break }
                do {
                    try await Task.sleep(for: .milliseconds(pause))
                } catch {
                    await backend.store.closeStore()
                    throw error
                }
            } else {
                break
            }
        }
        await backend.store.closeStore()
        print(format == .json ? CanaryRenderer.json(report) : CanaryRenderer.table(report, definition: definition))
        fflush(nil)
        if let webhook {
            do {
                try await post(report, to: webhook)
            } catch {
                printError("infermon: canary webhook \(webhook) failed: \(error)")
            }
        }
        if report.verdict != .promote { throw ExitCode(report.verdict.exitCode) }
    }

    func makeDefinition(_ configuration: Configuration) throws -> CanaryDefinition {
        var definition: CanaryDefinition
        if let name {
            guard let configured = configuration.canaries.rollouts.first(where: { $0.name == name }) else {
                let names = configuration.canaries.rollouts.map(\.name)
                throw InfermonError.invalidArgument(
                    "no rollout named \"\(name)\" in canaries.rollouts"
                        + (names.isEmpty ? "" : " (configured: \(names.joined(separator: ", ")))"))
            }
            definition = configured
            if let baseline { definition.baseline = try CanarySelector(parsing: baseline) }
            if let candidate { definition.candidate = try CanarySelector(parsing: candidate) }
        } else {
            guard let baseline, let candidate else {
                throw InfermonError.invalidArgument(
                    "give --baseline and --candidate (or the name of a configured rollout)")
            }
            definition = CanaryDefinition(
                name: "\(candidate) vs \(baseline)", baseline: try CanarySelector(parsing: baseline),
                candidate: try CanarySelector(parsing: candidate))
        }
        guard definition.baseline != definition.candidate else {
            throw InfermonError.invalidArgument("the candidate is the baseline")
        }
        if let route { definition.common["route"] = route }
        if let model { definition.common["model"] = model }
        if let metrics {
            let parsed = try metrics.split(separator: ",").flatMap { try CanaryMetric.parse(String($0)) }
            guard !parsed.isEmpty else { throw InfermonError.invalidArgument("--metrics names no metric") }
            definition.metrics = parsed
        }
        if let alpha {
            guard alpha > 0, alpha < 1 else { throw InfermonError.invalidArgument("--alpha must be between 0 and 1") }
            definition.alpha = alpha
        }
        if let trafficShare {
            guard trafficShare > 0, trafficShare < 1 else {
                throw InfermonError.invalidArgument("--traffic-share must be between 0 and 1")
            }
            definition.trafficShare = trafficShare
        }
        if let window {
            guard let millis = TimeParsing.durationMillis(window), millis > 0 else {
                throw InfermonError.invalidArgument("--window expects a duration such as 2h")
            }
            definition.window = .milliseconds(millis)
        }
        if let minSamples {
            guard minSamples >= 2 else { throw InfermonError.invalidArgument("--min-samples must be at least 2") }
            definition.minimumSamples = minSamples
        }
        if let warmup {
            guard warmup >= 0 else { throw InfermonError.invalidArgument("--warmup cannot be negative") }
            definition.warmup = warmup
        }
        if let by, by != "tenant" { throw InfermonError.invalidArgument("--by takes tenant, not \"\(by)\"") }
        if let minEffect {
            let names = Set(definition.metrics.map(\.name))
            for part in minEffect.split(separator: ",") {
                let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard pieces.count == 2, let value = Double(pieces[1]), value > 0, value.isFinite else {
                    throw InfermonError.invalidArgument("--min-effect takes metric=number pairs, not \"\(part)\"")
                }
                guard names.contains(pieces[0]) else {
                    throw InfermonError.invalidArgument(
                        "--min-effect: \"\(pieces[0])\" is not one of the metrics (\(names.sorted().joined(separator: ", ")))"
                    )
                }
                definition.margins[pieces[0]] = value
            }
        }
        return definition
    }

    func post(_ report: CanaryReport, to url: String) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: CanaryRenderer.json(report)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else {
            throw InfermonError.unavailable("HTTP \(response.status.code)")
        }
    }

    func failCanary(_ error: any Error) -> ExitCode {
        _ = fail(error)
        return ExitCode(4)
    }
}

enum CanaryFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

enum CanaryRenderer {
    static func json(_ report: CanaryReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// One line per evaluation for --watch.
    static func line(_ report: CanaryReport, at time: Timestamp) -> String {
        "\(TimeParsing.formatRFC3339(time)) \(report.name): \(report.verdict.rawValue.uppercased()) "
            + "(baseline \(report.baselineRequests), candidate \(report.candidateRequests) requests) \(report.reason)"
    }

    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        if value == 0 { return "0" }
        if abs(value) >= 1000 { return String(format: "%.0f", value) }
        if abs(value) >= 1 { return String(format: "%.3g", value) }
        return String(format: "%.3g", value)
    }

    static func table(_ report: CanaryReport, definition: CanaryDefinition) -> String {
        var out = "canary \(report.name): \(report.verdict.rawValue.uppercased()) — \(report.reason)\n"
        out +=
            "baseline \(definition.baseline): \(report.baselineRequests) requests; candidate \(definition.candidate): \(report.candidateRequests) requests; mode \(report.mode)"
        if report.mode == "shadow" { out += " (\(report.pairs) pairs)" }
        out += "\n"
        out += "alpha \(number(report.alpha)) family-wise (Bonferroni: \(number(report.alphaPerMetric)) per metric)"
        if let expected = report.expectedShare, let observed = report.observedShare {
            out +=
                "; candidate share \(String(format: "%.1f", observed * 100)) % (configured \(String(format: "%.1f", expected * 100)) %)"
        }
        out += "\n\n"
        let header = [
            "metric", "status", "baseline", "candidate", "difference", "confidence sequence", "margin", "n (b/c)",
            "decided at n",
        ]
        var rows = [header]
        for metric in report.metrics {
            rows.append([
                metric.metric + (metric.paired ? " (paired)" : ""), metric.status.rawValue,
                number(metric.baselineValue),
                number(metric.candidateValue), number(metric.estimate),
                metric.lower == nil ? "-" : "[\(number(metric.lower)), \(number(metric.upper))]", number(metric.margin),
                "\(metric.baselineSamples)/\(metric.candidateSamples)",
                metric.decidedAtCandidateSamples.map { "\($0)" } ?? "-",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            out +=
                row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimming(" ") + "\n"
        }
        if let tenants = report.tenants {
            out += "\nper tenant:\n"
            for tenant in tenants.keys.sorted() {
                let part = tenants[tenant]!
                out +=
                    "  \(tenant.isEmpty ? "(none)" : tenant): \(part.verdict.rawValue) — \(part.reason) (baseline \(part.baselineRequests), candidate \(part.candidateRequests))\n"
            }
        }
        return out
    }
}
