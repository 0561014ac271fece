import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The built-in web UI in a real headless Chromium against a real daemon:
/// the pages show the daemon's data (series, alerts, components, sources),
/// an alert's `generatorURL` opens, and a silence created by clicking through
/// the pages mutes that alert's notifications while another keeps coming.
@Suite(
    "Web UI in headless Chromium", .serialized,
    .enabled(if: HeadlessChromium.executable != nil, "chromium is not installed (apt-get install chromium)"))
struct WebUITests {
    @Test func pagesRenderTheDaemonsData() async throws {
        let directory = try TemporaryDirectory()
        let receiver = try await RecordingReceiver.start()
        defer { Task { try? await receiver.stop() } }
        let daemon = try await WebUIDaemon(directory: directory, webhookPort: receiver.port)
        defer { daemon.process.discard() }
        try daemon.logRequest(model: "a", latencyMillis: 9000)
        let firing = try await daemon.waitForNotifications(receiver, model: "a", count: 1)
        let generatorURL = try #require(firing.last?.generatorURL)
        let browser = try await HeadlessChromium(executable: HeadlessChromium.executable!, directory: directory.path)
        defer { browser.discard() }

        // The alert's link, as a receiver shows it, opens the expression's table.
        let path = try #require(generatorURL.range(of: "/graph?").map { String(generatorURL[$0.lowerBound...]) })
        #expect(path.contains("g0.tab=1"), "\(generatorURL)")
        try await browser.navigate(daemon.process.baseURL + path)
        #expect(
            try await browser.evaluate("document.getElementById('expr').value") as? String == WebUIDaemon.expression)
        #expect(try await browser.waitFor("document.querySelectorAll('#result-table tr.series-row').length === 1"))
        let table = try await browser.evaluate("document.getElementById('result-table').innerText") as? String ?? ""
        #expect(table.contains(#"model="a""#) && table.contains("9"), "\(table)")

        // The graph: one line (or point) per series, and the legend names it.
        try await browser.navigate(
            daemon.process.baseURL + "/graph?g0.expr=infermon_request_duration_seconds&g0.tab=0&g0.range_input=15m")
        #expect(try await browser.evaluate("document.querySelectorAll('#chart-svg g.series').length") as? Int == 1)
        #expect(
            try await browser.evaluate("document.querySelectorAll('#chart-svg polyline, #chart-svg circle').length")
                as? Int
                ?? 0 >= 1)
        #expect(
            try await browser.evaluate("document.querySelector('.legend').innerText") as? String ?? ""
                == #"infermon_request_duration_seconds{model="a", status="ok"}"#)
        try await browser.navigate(
            daemon.process.baseURL + "/graph?g0.expr=" + "rate(nope[5m]".addingPercentEncoding(
                withAllowedCharacters: .alphanumerics)!)
        #expect(try await browser.evaluate("document.querySelector('#table .error') !== null") as? Bool == true)

        // Alerts: the firing one with its labels and value; the `for: 1h` one pending.
        try await browser.navigate(daemon.process.baseURL + "/alerts")
        let firingRows = try await browser.evaluate("document.querySelector('#firing').innerText") as? String ?? ""
        #expect(firingRows.contains("SlowRequest") && firingRows.contains(#"model="a""#), "\(firingRows)")
        let pendingRows = try await browser.evaluate("document.querySelector('#pending').innerText") as? String ?? ""
        #expect(pendingRows.contains("Waiting"), "\(pendingRows)")
        // Data is text, never markup: the annotation's tag is shown, not made an element.
        #expect(try await browser.evaluate("document.querySelector('.injected') === null") as? Bool == true)
        #expect(firingRows.contains(#"<i class="injected">"#), "\(firingRows)")

        // Status: readiness, the source with its events and lag, components, configuration.
        try await browser.navigate(daemon.process.baseURL + "/status")
        let status = try await browser.bodyText()
        #expect(try await browser.exists("#daemon .up"), "not shown as ready: \(status)")
        #expect(
            try await browser.evaluate("document.querySelector('tr.source[data-source=app] .events').innerText")
                as? String
                == "1")
        #expect(
            try await browser.evaluate("document.querySelector('tr.source[data-source=app] .lag-total').innerText")
                as? String
                == "0")
        let components = try await browser.evaluate("document.getElementById('components').innerText") as? String ?? ""
        #expect(components.contains("source:app") && components.contains("up"), "\(components)")
        let configuration =
            try await browser.evaluate("document.getElementById('configuration').innerText") as? String ?? ""
        #expect(configuration.contains("rules.yaml") && configuration.contains("hook"), "\(configuration)")
        #expect(!status.contains(WebUIDaemon.token))
        await browser.close()
    }

    @Test func aSilenceCreatedInThePageMutesANotification() async throws {
        let directory = try TemporaryDirectory()
        let receiver = try await RecordingReceiver.start()
        defer { Task { try? await receiver.stop() } }
        let daemon = try await WebUIDaemon(directory: directory, webhookPort: receiver.port)
        defer { daemon.process.discard() }
        try daemon.logRequest(model: "a", latencyMillis: 9000)
        try daemon.logRequest(model: "b", latencyMillis: 9000)
        // repeat_interval is 1s: both alerts are notified again and again while they fire.
        _ = try await daemon.waitForNotifications(receiver, model: "a", count: 2)
        _ = try await daemon.waitForNotifications(receiver, model: "b", count: 2)
        let browser = try await HeadlessChromium(executable: HeadlessChromium.executable!, directory: directory.path)
        defer { browser.discard() }

        // On /alerts, the silence button of model a's alert opens the form with its labels.
        try await browser.navigate(daemon.process.baseURL + "/alerts")
        try await browser.markDocument()
        #expect(try await browser.click(#"#firing tr[data-labels*='model="a"'] a.silence"#))
        try await browser.waitForNewDocument()
        let names = try await browser.evaluate(
            "[...document.querySelectorAll('.matcher-row [name=name]')].map(e => e.value).join(',')")
        #expect(names as? String == "alertname,model,severity,status")

        // Without the token the write is refused, and the page says so.
        try await browser.fill("#comment", with: "muted from the web UI")
        #expect(try await browser.click("#create-silence"))
        #expect(try await browser.waitFor("document.getElementById('write-result').innerText.includes('401')"))
        #expect(try await browser.evaluate("document.querySelectorAll('tr.silence').length") as? Int == 0)

        // With it the silence is created and listed.
        try await browser.fill("#token", with: WebUIDaemon.token)
        try await browser.markDocument()
        #expect(try await browser.click("#create-silence"))
        try await browser.waitForNewDocument()
        let active = try await browser.evaluate("document.getElementById('silences-active').innerText") as? String ?? ""
        #expect(active.contains(#"model="a""#) && active.contains("muted from the web UI"), "\(active)")

        // a's notifications stop while b's go on; the alerts page marks a as silenced.
        // One more b first: a notification of a already under way when the silence came has arrived by then.
        _ = try await daemon.waitForNotifications(receiver, model: "b", count: daemon.count(receiver, "b") + 1)
        let mutedAt = daemon.count(receiver, "a")
        _ = try await daemon.waitForNotifications(receiver, model: "b", count: daemon.count(receiver, "b") + 3)
        #expect(daemon.count(receiver, "a") == mutedAt, "a was notified while silenced")
        try await browser.navigate(daemon.process.baseURL + "/alerts")
        #expect(try await browser.exists(#"#firing tr[data-labels*='model="a"'] .silenced"#))
        #expect(try await browser.exists(#"#firing tr[data-labels*='model="b"'] a.silence"#))

        // Expiring it in the page lets a's notifications through again.
        try await browser.navigate(daemon.process.baseURL + "/silences")
        try await browser.markDocument()
        #expect(try await browser.click("tr.silence-active button.expire"))
        try await browser.waitForNewDocument()
        #expect(try await browser.evaluate("document.querySelectorAll('tr.silence-expired').length") as? Int == 1)
        _ = try await daemon.waitForNotifications(receiver, model: "a", count: mutedAt + 1)
        await browser.close()
    }
}

/// A daemon with one log source, a token for writes, alert rules evaluated
/// every second and a webhook receiver that is told again every second.
struct WebUIDaemon {
    static let token = "web-ui-test-token-0123456789abcdef"
    static let expression = "infermon_request_duration_seconds > 5"

    let directory: TemporaryDirectory
    let process: DaemonProcess

    init(directory: TemporaryDirectory, webhookPort: Int) async throws {
        self.directory = directory
        try makeDirectoryForTest(directory.file("logs"))
        try TestFiles.append(Self.token, to: directory.file("token"))
        try TestFiles.append(
            """
            groups:
              - name: latency
                rules:
                  - alert: SlowRequest
                    expr: \(Self.expression)
                    labels: {severity: page}
                    annotations:
                      summary: '{{ $labels.model }} is slow <i class="injected">'
                  - alert: Waiting
                    expr: vector(1)
                    for: 1h
            """, to: directory.file("rules.yaml"))
        process = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                sources:
                  - name: app
                    paths: ["\(directory.file("logs"))/*.jsonl"]
                    poll_interval: 20ms
                rule_files: [rules.yaml]
                evaluation_interval: 1s
                notifications:
                  route:
                    receiver: hook
                    group_by: [model]
                    group_wait: 0s
                    group_interval: 1s
                    repeat_interval: 1s
                  receivers:
                    - name: hook
                      webhook_configs:
                        - url: http://127.0.0.1:\(webhookPort)/hook
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
    }

    /// Appends one request to the log, stamped now.
    func logRequest(model: String, latencyMillis: Int) throws {
        let now = SystemWallClock().now()
        try TestFiles.append(
            #"{"timestamp":\#(now),"request_id":"\#(model)-\#(now)","model":"\#(model)","latency_ms":\#(latencyMillis)}"#
                + "\n", to: directory.file("logs/app.jsonl"))
    }

    struct Notification {
        var model: String
        var status: String
        var generatorURL: String
    }

    func notifications(_ receiver: RecordingReceiver, model: String) -> [Notification] {
        receiver.requests.compactMap { request in
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                let labels = object["groupLabels"] as? [String: String], labels["model"] == model,
                let status = object["status"] as? String, let alerts = object["alerts"] as? [[String: Any]]
            else { return nil }
            return Notification(
                model: model, status: status, generatorURL: alerts.first?["generatorURL"] as? String ?? "")
        }
    }

    func count(_ receiver: RecordingReceiver, _ model: String) -> Int {
        notifications(receiver, model: model).filter { $0.status == "firing" }.count
    }

    /// Waits until `model` has had `count` firing notifications; returns them.
    func waitForNotifications(_ receiver: RecordingReceiver, model: String, count: Int) async throws
        -> [Notification]
    {
        let arrived = try await waitUntil(timeoutSeconds: 30) { self.count(receiver, model) >= count }
        #expect(
            arrived, "\(model): \(self.count(receiver, model)) of \(count) notifications; \(process.log.suffix(1500))")
        return notifications(receiver, model: model).filter { $0.status == "firing" }
    }
}
