import Foundation
import InfermonConfig
import InfermonCore
import InfermonTesting
import Logging
import Notify
import Reports
import Store
import Testing

@testable import InfermonDaemon

/// The `reports:` section and the daemon's report service on a manual clock:
/// a report is made when it falls due, written to its directory, and sent to a
/// webhook through the notification outbox, so a webhook that is down when the
/// report is made receives it once it is back.
@Suite struct ScheduledReportTests {
    static let day: Int64 = 86_400_000

    @Test func theSectionDecodesAndChecksWhereReportsGo() throws {
        let config = try ConfigurationLoader.load(
            text: """
                notifications:
                  route: {receiver: team}
                  receivers:
                    - name: team
                      webhook_configs: [{url: "http://127.0.0.1:9/hook"}]
                reports:
                  - name: weekly
                    every: week
                    at: "07:30"
                    weekday: tuesday
                    directory: /tmp/reports
                    receiver: team
                  - name: daily-chat
                    every: day
                    model: chat
                    format: markdown
                    directory: /tmp/reports
                """, file: "test.yaml")
        let weekly = try #require(config.reports.schedules.first)
        #expect(weekly.every == .week && weekly.timeOfDay == (7 * 60 + 30) * 60_000 && weekly.weekday == 1)
        #expect(weekly.receiver == "team" && weekly.format == .html)
        #expect(config.reports.schedules[1].model == "chat" && config.reports.schedules[1].format == .markdown)

        func problem(_ reports: String, notifications: String = "") -> String {
            do {
                _ = try ConfigurationLoader.load(text: notifications + "reports:\n" + reports, file: "bad.yaml")
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("  - {name: a, every: day}\n").contains("goes nowhere"))
        #expect(problem("  - {name: a, every: day, at: \"25:00\", directory: /tmp}\n").contains("time of day"))
        #expect(problem("  - {name: a, every: day, weekday: monday, directory: /tmp}\n").contains("every week"))
        #expect(problem("  - {name: a/b, every: day, directory: /tmp}\n").contains("letters, digits"))
        #expect(problem("  - {name: a, every: month, directory: /tmp}\n").contains("day"))
        #expect(problem("  - {name: a, every: day, receiver: nobody}\n").contains("bad.yaml:2:"))
        #expect(problem("  - {name: a, every: day, receiver: nobody}\n").contains("\"nobody\" is not a receiver"))
    }

    @Test func dueTimesFollowTheCalendarInUTC() {
        // Tuesday 2026-12-01 … wherever the test runs, the arithmetic is the same.
        let tuesday = Int64(TimeParsing.daysFromCivil(year: 2026, month: 12, day: 1)) * Self.day
        let daily = ReportSchedule(name: "d", every: .day, timeOfDay: 8 * 3_600_000, directory: "/tmp")
        #expect(daily.nextRun(after: tuesday) == tuesday + 8 * 3_600_000)
        #expect(daily.nextRun(after: tuesday + 8 * 3_600_000) == tuesday + Self.day + 8 * 3_600_000)
        let weekly = ReportSchedule(name: "w", every: .week, timeOfDay: 0, weekday: 0, directory: "/tmp")
        #expect(weekly.nextRun(after: tuesday) == tuesday + 6 * Self.day, "the next Monday")
        #expect(weekly.nextRun(after: tuesday - Self.day - 1) == tuesday - Self.day, "Monday itself")
    }

    @Test func aDueReportIsWrittenAndReachesAWebhookThatWasDown() async throws {
        let fixture = try await ReportFixture()
        let clock = ManualClock(now: fixture.to - 2 * 3_600_000)
        let receiver = try await RecordingReceiver.start()
        receiver.script(.fail(503))
        receiver.setBehavior(.ok)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let notifications = try NotificationService(
            configuration: NotifyConfiguration(
                route: RouteSpec(receiver: "team"),
                receivers: [
                    ReceiverConfig(
                        name: "team",
                        integrations: [
                            .webhook(WebhookConfig(endpoint: EndpointConfig(url: receiver.url("/reports")))),
                            .slack(SlackConfig(endpoint: EndpointConfig(url: receiver.url("/slack")))),
                        ])
                ], outbox: OutboxOptions(initialBackoff: .seconds(1), jitter: 0)),
            store: fixture.store, clock: clock, logger: logger)
        // Due one hour from the clock's now, every day; the report covers the day before.
        let due = fixture.to - 3_600_000
        let schedule = ReportSchedule(
            name: "daily", every: .day, timeOfDay: due % Self.day, format: .markdown,
            directory: fixture.directory.file("reports"), receiver: "team")
        let reports = ReportService(
            config: ReportsConfig(schedules: [schedule]), inputs: fixture.inputs(),
            outbox: ReportOutboxAdapter(notifications), clock: clock, logger: logger)

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await notifications.run() }
            group.addTask { try await reports.run() }
            await clock.waitForSleepers(1)
            #expect(receiver.requests.isEmpty)
            clock.set(to: due)
            // The report is made and sent; the webhook answers 503 and the message waits for its retry.
            _ = await receiver.waitForRequests(1)
            await clock.waitForSleepers(2)
            let file = fixture.directory.file("reports/" + ReportService.fileName(schedule, endingAt: due))
            let written = try String(contentsOfFile: file, encoding: .utf8)
            #expect(written.hasPrefix("# infermon daily report\n"))
            #expect(written.contains("## Canary verdicts"))
            #expect(try await fixture.store.outboxMessages().map(\.integration) == ["team/webhook[0]"])
            // Back up: the retry delivers the same message.
            clock.advance(by: 2_000)
            let requests = await receiver.waitForRequests(2)
            #expect(requests.count == 2)
            #expect(requests.allSatisfy { $0.uri == "/reports" }, "only the webhook, not the Slack integration")
            #expect(requests[0].header("webhook-id") == requests[1].header("webhook-id"))
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(requests[1].body)) as? [String: Any])
            #expect(body["kind"] as? String == "infermon.report" && body["name"] as? String == "daily")
            #expect(body["report"] as? String == written)
            #expect(body["to"] as? String == TimeParsing.formatRFC3339(due))
            let summary = try #require(body["summary"] as? [String: Any])
            #expect(summary["alerts_fired"] as? Int == 1)
            group.cancelAll()
        }
        try await receiver.stop()
    }
}
