import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The store on a real, full filesystem: a small tmpfs mounted for the test.
/// Writes fail with "database or disk is full"; the file source, the scraper,
/// the rule group and notification must say so (`/readyz`,
/// `infermon_component_up`, `infermon stats`), keep retrying, and resume by
/// themselves once space returns, with every line stored exactly once.
@Suite("Disk full end to end", .serialized)
struct DiskFullTests {
    /// Mounts a tmpfs of `megabytes` at `path`; nil (with the reason) when this
    /// process may not mount, as outside a root CI.
    static func mountTmpfs(at path: String, megabytes: Int) async throws -> String? {
        guard geteuid() == 0 else { return "not root" }
        let result = try await runCommand(
            "/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path], directory: "/tmp",
            name: "mount-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        return result.status == 0 ? nil : "mount failed: \(result.stderr)"
    }

    @Test func aFullDiskStallsTheSourceVisiblyAndIngestResumesWhenSpaceReturns() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let storeDirectory = directory.file("store")
        try makeDirectoryForTest(storeDirectory)
        // Room for every event once the filler is gone, beside what rules and scrapes
        // keep writing meanwhile (the filler takes whatever is left at the time).
        if let reason = try await Self.mountTmpfs(at: storeDirectory, megabytes: 32) {
            print("skipping the disk-full test: \(reason)")
            return
        }
        // `umount -l` as a system call: a defer cannot await a child process.
        defer { umount2(storeDirectory, Int32(MNT_DETACH)) }
        let log = directory.file("logs/app.jsonl")
        var written = 0
        func writeLines(_ count: Int) throws {
            var text = ""
            for _ in 0..<count {
                written += 1
                let padding = String(repeating: "x", count: 300)
                text +=
                    #"{"timestamp":\#(SystemWallClock().now()),"request_id":"id-\#(written)","model":"m","tenant":"t\#(written % 50)","route":"\#(padding)\#(written % 40)","latency_ms":5}"#
                    + "\n"
            }
            try TestFiles.append(text, to: log)
        }
        let exporter = try await TestHTTPServer.start { _ in .page("model_up 1\n") }
        defer { exporter.stop() }
        try TestFiles.append(
            """
            groups:
              - name: busy
                interval: 1s
                rules:
                  - record: app:requests:sum
                    expr: sum(infermon_requests_total)
                  - alert: Requests
                    expr: sum(infermon_requests_total) > 0
            """, to: directory.file("rules.yaml"))
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(storeDirectory)/store.db
                sources:
                  - name: app
                    paths: ["\(log)"]
                    poll_interval: 20ms
                scrape:
                  jobs:
                    - name: model
                      targets: ["127.0.0.1:\(exporter.port)"]
                      interval: 1s
                rule_files: [\(directory.file("rules.yaml"))]
                notifications:
                  route:
                    receiver: nowhere
                    group_wait: 0s
                    group_interval: 200ms
                  receivers:
                    - name: nowhere
                      webhook_configs:
                        - url: http://127.0.0.1:9/hook
                log:
                  level: info
                """, directory: directory.path)
        defer { daemon.discard() }
        let database = "\(storeDirectory)/store.db"
        func stored() -> Int64 {
            guard let row = try? ReadOnlySQL(path: database).query("SELECT count(*) FROM events").rows.first,
                case .integer(let count) = row[0]
            else { return -1 }
            return count
        }
        try writeLines(500)
        #expect(try await waitUntil(timeoutSeconds: 20) { stored() == Int64(written) })

        // Fill what is left of the filesystem, then write more than fits.
        let filler = "\(storeDirectory)/filler"
        let descriptor = open(filler, O_WRONLY | O_CREAT, 0o644)
        try #require(descriptor >= 0)
        let block = [UInt8](repeating: 0xAB, count: 64 << 10)
        while block.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress!, $0.count) }) > 0 {}
        close(descriptor)
        try writeLines(20_000)

        var readiness = ""
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                readiness = (try? await HTTP.request(.get, daemon.baseURL + "/readyz").body) ?? ""
                return readiness.contains("source:app down")
            }, "readyz: \(readiness)")
        // The store's own component flips back up whenever a small commit (a rule's, a
        // scrape's) fits in freed pages, so it is polled; the stalled source stays down.
        var metrics = ""
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                metrics = (try? await HTTP.request(.get, daemon.baseURL + "/metrics").body) ?? ""
                return metrics.contains(#"infermon_component_up{component="source:app"} 0"#)
                    && metrics.contains(#"infermon_component_up{component="store"} 0"#)
            }, "\(metrics.prefix(3000))")
        // The other writers say so too, each by name, while they keep trying.
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                let body = (try? await HTTP.request(.get, daemon.baseURL + "/metrics").body) ?? ""
                return body.contains(#"infermon_component_up{component="scrape:model"} 0"#)
                    && body.contains(#"component="rules:\#(directory.file("rules.yaml")):busy"} 0"#)
            }, "\(daemon.log.suffix(2000))")
        let stats = try await runCommand(
            ChildProcess.infermonBinary(), ["stats", "--config", daemon.configPath, "--server", daemon.baseURL],
            directory: directory.path,
            name: "stats")
        // The store's own component can flip back up between two checks when a small
        // commit fits in freed pages; /metrics showed it down above. The stalled source
        // stays down until space returns.
        #expect(stats.stdout.contains("source:app: DOWN") && stats.stdout.contains("store: "), "\(stats.stdout)")
        #expect(daemon.process.isRunning)

        // Space comes back: everything goes in, once, without a restart.
        TestFiles.remove(filler)
        #expect(
            try await waitUntil(timeoutSeconds: 90) { stored() == Int64(written) },
            "stored \(stored()) of \(written): \(daemon.log.suffix(2000))")
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                (try? await HTTP.request(.get, daemon.baseURL + "/readyz").status) == 200
            })
        let distinct = try ReadOnlySQL(path: database).query("SELECT count(DISTINCT request_id) FROM events").rows
        #expect(distinct == [[.integer(Int64(written))]])
        #expect(daemon.log.contains("file source recovered"))
        // Counters kept by ingest stages were taken back for every failed attempt: counted once.
        // The counter reaches the store on the self-metrics recorder's next tick, after
        // the events themselves; it must settle on the count exactly, never above it.
        var unpriced = ""
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                unpriced =
                    (try? await HTTP.request(
                        .get, daemon.baseURL + "/api/v1/query?query=sum(infermon_cost_unpriced_requests_total)"
                    ).body) ?? ""
                return unpriced.contains(#""\#(written)"]"#)
            }, "\(unpriced)")
        // Each writer comes back up on its own next successful commit (rules and scrapes
        // every second), so the report is polled until all say so.
        var recovered = ""
        let components = [
            "source:app", "store", "scrape:model", "rules:\(directory.file("rules.yaml")):busy", "notifier:dispatch",
        ]
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                recovered =
                    (try? await runCommand(
                        ChildProcess.infermonBinary(),
                        ["stats", "--config", daemon.configPath, "--server", daemon.baseURL],
                        directory: directory.path, name: "stats-after"
                    ).stdout) ?? ""
                return components.allSatisfy { recovered.contains("\($0): up") }
            }, "\(recovered)")
    }
}
