import Foundation
public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Where a scheduled report goes to reach people: the notification outbox,
/// so a webhook that is down gets the report when it is back, as alerts do.
public protocol ReportOutbox: Sendable {
    /// Queues `body` (JSON) for every webhook integration of `receiver`; returns how many it was queued for.
    func enqueueReport(_ body: [UInt8], id: String, receiver: String) async throws -> Int
}

/// Makes the configured reports on their schedule: each covers the day or week
/// that ends when it is due, is written to its directory and queued for its
/// receiver. Time comes from the injected clock, so tests run a week in a moment.
/// A report that fell due while the daemon was down is not made afterwards
/// (`infermon report` makes any period on demand).
public final class ReportService: Service, Sendable {
    public let config: ReportsConfig
    private let builder: ReportBuilder
    private let outbox: (any ReportOutbox)?
    private let clock: any WallClock
    private let logger: Logger

    public init(
        config: ReportsConfig, inputs: ReportInputs, outbox: (any ReportOutbox)?, clock: any WallClock,
        logger: Logger
    ) {
        self.config = config
        self.builder = ReportBuilder(inputs: inputs)
        self.outbox = outbox
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        var after = clock.now()
        while !Task.isCancelled {
            guard let next = config.schedules.map({ $0.nextRun(after: after) }).min() else { return }
            do { try await clock.sleep(until: next) } catch { return }
            if Task.isCancelled { return }
            for schedule in config.schedules where schedule.nextRun(after: after) == next {
                do {
                    let outputs = try await make(schedule, endingAt: next)
                    logger.info(
                        "report made",
                        metadata: ["report": "\(schedule.name)", "to": "\(outputs.joined(separator: ", "))"])
                } catch {
                    logger.error("report failed", metadata: ["report": "\(schedule.name)", "error": "\(error)"])
                }
            }
            after = next
        }
    }

    /// Makes one report of `schedule` for the period ending at `end`, and
    /// delivers it; returns where it went (file paths, `receiver:` entries).
    @discardableResult
    public func make(_ schedule: ReportSchedule, endingAt end: Timestamp) async throws -> [String] {
        let start = end - schedule.every.millis
        let report = await builder.build(
            from: start, to: end, model: schedule.model,
            title: "infermon \(schedule.every == .day ? "daily" : "weekly") report"
                + (schedule.model.map { " — \($0)" } ?? ""),
            generatedAt: clock.now())
        let text = Self.render(report, as: schedule.format)
        var outputs: [String] = []
        var failures: [String] = []
        if let directory = schedule.directory {
            let path = directory + "/" + Self.fileName(schedule, endingAt: end)
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                outputs.append(path)
            } catch {
                failures.append("cannot write \(path): \(error)")
            }
        }
        if let receiver = schedule.receiver {
            if let outbox {
                let body = Self.webhookBody(report, text: text, schedule: schedule)
                let count = try await outbox.enqueueReport(
                    body, id: "report-\(schedule.name)-\(end)", receiver: receiver)
                outputs.append("receiver \(receiver) (\(count) webhook\(count == 1 ? "" : "s"))")
            } else {
                failures.append("receiver \(receiver): notifications are not configured")
            }
        }
        if !failures.isEmpty { throw InfermonError.io(failures.joined(separator: "; ")) }
        return outputs
    }

    public static func render(_ report: MonitoringReport, as format: ReportFormat) -> String {
        format == .html ? HTMLReportRenderer.render(report) : MarkdownReportRenderer.render(report)
    }

    /// `weekly-chat-2026-12-07T0800Z.html`.
    public static func fileName(_ schedule: ReportSchedule, endingAt end: Timestamp) -> String {
        let stamp = TimeParsing.formatRFC3339(end)
        let compact = stamp.prefix(13) + stamp.dropFirst(14).prefix(2)
        return "\(schedule.name)-\(compact)Z.\(schedule.format.fileExtension)"
    }

    /// What a webhook receives: the report and a summary a bot can post without parsing it.
    public static func webhookBody(_ report: MonitoringReport, text: String, schedule: ReportSchedule) -> [UInt8] {
        var out = "{\"kind\":\"infermon.report\",\"name\":"
        writeJSONString(schedule.name, to: &out)
        out += ",\"title\":"
        writeJSONString(report.title, to: &out)
        out +=
            ",\"from\":\"\(TimeParsing.formatRFC3339(report.from))\",\"to\":\"\(TimeParsing.formatRFC3339(report.to))\""
        out += ",\"model\":"
        if let model = report.model { writeJSONString(model, to: &out) } else { out += "null" }
        out += ",\"format\":\"\(schedule.format.rawValue)\",\"content_type\":\"\(schedule.format.contentType)\""
        func number(_ value: Double) -> String { value.isFinite ? formatJSONNumber(value) : "null" }
        out += ",\"summary\":{\"requests\":\(number(report.traffic.requests))"
        out += ",\"errors\":\(number(report.traffic.errors)),\"spend_usd\":\(number(report.cost.totalUSD))"
        out += ",\"alerts_fired\":\(report.incidents.alerts.count)"
        out += ",\"drifted_fields\":\(report.drift.rows.filter(\.isDrift).count)"
        out += ",\"slos_breached\":\(report.slos.filter(\.isBreached).count)}"
        out += ",\"report\":"
        writeJSONString(text, to: &out)
        out += "}"
        return Array(out.utf8)
    }
}
