import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon dash --server …` in a real terminal (tmux) against a real
/// `infermon serve` holding known data: values on screen, dashboard switch,
/// help, and a terminal put back as it was on `q` and on SIGTERM.
@Suite("Terminal dashboard end to end", .enabled(if: TmuxSession.isAvailable, "needs tmux (make test installs it)"))
struct DashboardEndToEndTests {
    /// A dashboard whose values are exact: counter totals, not extrapolated rates.
    static let known = """
        title: Known
        rows:
          - height: 4
            panels:
              - title: Total requests
                kind: stat
                query: sum(infermon_requests_total)
              - title: Tenants
                kind: stat
                query: count(count by (tenant) (infermon_requests_total))
          - panels:
              - title: Requests and cost by tenant
                kind: table
                columns: [tenant]
                queries:
                  - expr: sum by (tenant) (infermon_requests_total)
                    legend: requests
                  - expr: sum by (tenant) (infermon_cost_usd_total)
                    legend: cost
              - title: Recent notifications
                kind: notifications
        """

    struct Fixture {
        let directory: TemporaryDirectory
        let daemon: ChildProcess
        let port: Int
        let dashboards: String
    }

    /// 600 requests over the half hour before the last minute (acme 300, globex 200, initech 100,
    /// one cent each), ingested into a store a daemon then serves.
    func startDaemon() async throws -> Fixture {
        let directory = try TemporaryDirectory()
        let binary = ChildProcess.infermonBinary()
        let now = SystemWallClock().now()
        var lines = ""
        for index in 0..<600 {
            let tenant = index % 6 < 3 ? "acme" : (index % 6 < 5 ? "globex" : "initech")
            let model = index % 2 == 0 ? "alpha" : "beta"
            let status = index % 10 == 0 ? "error" : "ok"
            let time = now - 1_860_000 + Int64(index) * 3000
            lines +=
                #"{"timestamp":\#(time),"request_id":"r\#(index)","model":"\#(model)","tenant":"\#(tenant)","status":"\#(status)","latency_ms":\#(200 + index % 50),"ttft_ms":50,"prompt_tokens":100,"completion_tokens":20,"cost_usd":0.01}"#
                + "\n"
        }
        try TestFiles.append(lines, to: directory.file("events.jsonl"))
        let ingest = try ChildProcess(
            executable: binary,
            arguments: ["ingest", "--db", directory.file("store.db"), directory.file("events.jsonl")],
            outputPrefix: directory.file("ingest"))
        #expect(try await ingest.wait() == 0, "\(ingest.standardError())")

        try TestFiles.append("test-token-0123456789\n", to: directory.file("token"))
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
              auth:
                token_file: \(directory.file("token"))
            log:
              level: info
            """, to: directory.file("infermon.yaml"))
        let daemon = try ChildProcess(
            executable: binary, arguments: ["serve", "--config", directory.file("infermon.yaml")],
            outputPrefix: directory.file("serve"))
        #expect(
            try await waitUntil(timeoutSeconds: 60) {
                let log = daemon.standardError()
                return log.contains("infermon ready") && log.contains("listening address=")
            })
        let log = daemon.standardError()
        let marker = "listening address=127.0.0.1:"
        let port = try #require(
            log.firstRange(of: marker).flatMap { range in Int(log[range.upperBound...].prefix { $0.isNumber }) },
            "no port in: \(log)")

        // The shipped overview, and the exact-value dashboard after it.
        let dashboards = directory.file("dashboards")
        guard mkdir(dashboards, 0o755) == 0 else { throw InfermonError.io("mkdir") }
        let overview = try TestFiles.read(repositoryRoot() + "/dashboards/overview.yaml")
        try TestFiles.append(bytes: overview, to: dashboards + "/overview.yaml")
        try TestFiles.append(Self.known, to: dashboards + "/known.yaml")
        return Fixture(directory: directory, daemon: daemon, port: port, dashboards: dashboards)
    }

    /// The pane's shell command: the dash, then the shell prints its exit status on
    /// the (restored) main screen and stays, because tmux resets the screen and
    /// cursor of a pane whose process has ended.
    func dashCommand(_ fixture: Fixture, environment: String = "") -> String {
        "env \(environment) LANG=C.UTF-8 TERM=xterm-256color \(ChildProcess.infermonBinary()) dash"
            + " --server http://127.0.0.1:\(fixture.port) --dir \(fixture.dashboards) --refresh 1s;"
            + " echo \"dash exited $?\"; sleep 600"
    }

    /// The dash's pid: the child of the pane's shell.
    func dashPID(_ tmux: TmuxSession) async throws -> pid_t {
        let shell = try await tmux.format("#{pane_pid}")
        let children = try TestFiles.read("/proc/\(shell)/task/\(shell)/children")
        let first = String(decoding: children, as: UTF8.self).split(separator: " ").first
        return try #require(first.flatMap { pid_t($0) }, "no child of the pane's shell \(shell)")
    }

    /// After the dash has ended: its status, and a terminal back in its normal state.
    func expectRestored(_ tmux: TmuxSession, status: Set<String>) async throws {
        let after = try await waitForScreen(tmux, seconds: 30) { $0.contains("dash exited") }
        let code = after.split(separator: "\n").first { $0.hasPrefix("dash exited") }?.split(separator: " ").last
        #expect(code.map { status.contains(String($0)) } == true, "\(after)")
        #expect(!after.contains("Requests/s by model"), "the dashboard was drawn on the alternate screen only")
        #expect(try await tmux.format("#{alternate_on}") == "0")
        #expect(try await tmux.format("#{cursor_flag}") == "1")
    }

    func waitForScreen(_ tmux: TmuxSession, seconds: Double = 30, _ condition: (String) -> Bool) async throws
        -> String
    {
        var last = ""
        let found = try await waitUntil(timeoutSeconds: seconds, pollMillis: 100) {
            last = try await tmux.capture()
            return condition(last)
        }
        #expect(found, "screen was:\n\(last)")
        return last
    }

    /// Outside a checkout, with no dashboard directory anywhere, the shipped
    /// dashboards built into the binary are shown.
    @Test func withoutADashboardDirectoryTheBuiltInDashboardsAreShown() async throws {
        let fixture = try await startDaemon()
        defer { fixture.daemon.discard() }
        let elsewhere = try TemporaryDirectory()
        let tmux = try await TmuxSession(
            command: "env -u INFERMON_DASHBOARDS LANG=C.UTF-8 TERM=xterm-256color \(ChildProcess.infermonBinary()) dash"
                + " --server http://127.0.0.1:\(fixture.port) --refresh 1s; echo \"dash exited $?\"; sleep 600",
            width: 100, height: 30, directory: elsewhere.path)
        let screen = try await waitForScreen(tmux) { $0.contains("refreshed") }
        #expect(screen.contains("Overview") && screen.contains("Cost"), "\(screen)")
        #expect(!screen.contains("dash exited"))
    }

    @Test func showsValuesSwitchesDashboardsHelpsAndRestoresTheTerminalOnQuit() async throws {
        let fixture = try await startDaemon()
        defer { fixture.daemon.discard() }
        let tmux = try await TmuxSession(
            command: dashCommand(fixture), width: 100, height: 30,
            directory: fixture.directory.path)

        // The overview with data from the daemon.
        let overview = try await waitForScreen(tmux) { $0.contains("refreshed") && $0.contains("alpha") }
        #expect(try await tmux.format("#{alternate_on}") == "1")
        #expect(overview.contains(" infermon  Overview  known "))
        #expect(overview.contains("Requests/s by model"))
        #expect(overview.contains("http://127.0.0.1:\(fixture.port)"))
        // Error ratio: every tenth request failed.
        let ratio = try #require(statValue(titled: "Error ratio", in: overview), "no error ratio:\n\(overview)")
        #expect(ratio.hasSuffix("%") && Double(ratio.dropLast()).map { $0 > 8 && $0 < 12 } == true, "\(ratio)")
        // This daemon may or may not serve /api/v1/alerts yet; either way the panel says so.
        #expect(overview.contains("no alerts firing") || overview.contains("not available"))

        // Tab: the exact-value dashboard.
        try await tmux.sendKeys("Tab")
        let known = try await waitForScreen(tmux) {
            $0.contains("Requests and cost by tenant") && $0.contains("initech")
        }
        #expect(known.contains(" Known "))
        // The daemon serves its notification log (empty here: no alert rules).
        #expect(known.contains("no notifications sent"))
        #expect(known.contains("600"))
        let rows = known.split(separator: "\n").map(String.init)
        let acme = try #require(rows.first { $0.contains("acme") })
        let globex = try #require(rows.first { $0.contains("globex") })
        let initech = try #require(rows.first { $0.contains("initech") })
        #expect(acme.contains("300") && acme.contains("3"))
        #expect(globex.contains("200"))
        #expect(initech.contains("100"))
        #expect(rows.firstIndex(of: acme)! < rows.firstIndex(of: globex)!)
        #expect(rows.firstIndex(of: globex)! < rows.firstIndex(of: initech)!)

        // `r` re-reads the dashboard files: an edit shows without a restart, and a
        // broken file is reported while the old dashboard stays on screen.
        let knownFile = fixture.dashboards + "/known.yaml"
        TestFiles.remove(knownFile)
        try TestFiles.append(Self.known.replacingFirstOccurrence("title: Known", with: "title: Renamed"), to: knownFile)
        try await tmux.sendKeys("r")
        let renamed = try await waitForScreen(tmux) { $0.contains(" Renamed ") && $0.contains("initech") }
        #expect(!renamed.contains(" Known "))
        TestFiles.remove(knownFile)
        try TestFiles.append("title: Broken\nrows: [{panels: [{title: x, kind: sparkle}]}]\n", to: knownFile)
        try await tmux.sendKeys("r")
        let refused = try await waitForScreen(tmux) { $0.contains("dashboards not reloaded") }
        #expect(refused.contains(" Renamed ") && refused.contains("initech"))

        // Shift-Tab back to the overview.
        try await tmux.sendKeys("BTab")
        _ = try await waitForScreen(tmux) { $0.contains("Requests/s by model") }

        // Help, closed by any key.
        try await tmux.sendKeys("?")
        _ = try await waitForScreen(tmux) { $0.contains("next / previous dashboard") }
        try await tmux.sendKeys("x")
        _ = try await waitForScreen(tmux) { !$0.contains("next / previous dashboard") }

        // A resize (SIGWINCH) redraws at the new size: the tab bar and status line span the new width.
        try await tmux.resize(width: 140, height: 40)
        // The frame is drawn top to bottom and tmux may be read mid-frame, so wait
        // for its last row too before judging it.
        let resized = try await waitForScreen(tmux) { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            // One column is kept free at the right edge, as at every width.
            return rows.count >= 40 && rows[0].count == 139 && rows[0].hasSuffix("range 1h")
                && rows[39].hasSuffix("? help")
        }
        let resizedRows = resized.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            resizedRows[39].count == 139 && resizedRows[39].hasSuffix("? help"),
            "status line at the new bottom:\n\(resized)")
        #expect(resized.contains("Requests/s by model"))

        // Quit: main screen back, cursor visible, exit 0.
        try await tmux.sendKeys("q")
        try await expectRestored(tmux, status: ["0"])
    }

    @Test func sigtermRestoresTheTerminal() async throws {
        let fixture = try await startDaemon()
        defer { fixture.daemon.discard() }
        let tmux = try await TmuxSession(
            command: dashCommand(fixture), width: 80, height: 24, directory: fixture.directory.path)
        _ = try await waitForScreen(tmux) { $0.contains("refreshed") }
        #expect(try await tmux.format("#{alternate_on}") == "1")
        #expect(try await tmux.format("#{cursor_flag}") == "0")
        kill(try await dashPID(tmux), SIGTERM)
        try await expectRestored(tmux, status: ["\(128 + SIGTERM)"])
    }

    @Test func aCrashRestoresTheTerminal() async throws {
        let fixture = try await startDaemon()
        defer { fixture.daemon.discard() }
        // No interactive backtracer waiting for a key on the terminal.
        let tmux = try await TmuxSession(
            command: dashCommand(fixture, environment: "INFERMON_DASH_TEST_CRASH_KEY=K SWIFT_BACKTRACE=enable=no"),
            width: 80, height: 24, directory: fixture.directory.path)
        _ = try await waitForScreen(tmux) { $0.contains("refreshed") }
        #expect(try await tmux.format("#{alternate_on}") == "1")
        try await tmux.sendKeys("K")
        // fatalError ends in SIGILL or SIGTRAP, depending on the architecture.
        try await expectRestored(tmux, status: ["\(128 + SIGILL)", "\(128 + SIGTRAP)"])
    }
}

/// The text under a stat panel's title: the value line of a stat.
func statValue(titled title: String, in screen: String) -> String? {
    let rows = screen.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
    let needle = Array(title.unicodeScalars)
    for (index, row) in rows.enumerated() where index + 1 < rows.count && row.count >= needle.count {
        for start in 0...(row.count - needle.count) where Array(row[start..<start + needle.count]) == needle {
            let below = rows[index + 1]
            let from = max(0, start - 2)
            let to = min(below.count, start + needle.count + 2)
            guard from < to else { return nil }
            let text = String(String.UnicodeScalarView(below[from..<to]))
            return text.split(whereSeparator: { $0 == " " || $0 == "│" || $0 == "┃" }).first.map(String.init)
        }
    }
    return nil
}

func repositoryRoot(file: String = #filePath) -> String {
    var root = file
    while let slash = root.lastIndex(of: "/") {
        root = String(root[..<slash])
        if access(root + "/Package.swift", F_OK) == 0 { return root }
    }
    return "."
}
