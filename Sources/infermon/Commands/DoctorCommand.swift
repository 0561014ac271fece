import Alerting
import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Judge
import NIOHTTP1
import Notify
import Quality
import Scrape
import Server
import Store

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon doctor`: checks this host for what a running infermon needs and
/// says what to fix, one line per check. The configuration goes through the
/// same `StartupCheck` as `serve`, so doctor and the daemon never disagree about it.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check this host for infermon: one line per check (ok, warn or FAIL) with what to fix.",
        discussion: """
            Checks that the configuration loads and passes serve's start-up checks, the store's directory \
            is writable with free space, each file source's globs match readable files that were written \
            recently, each notification receiver (and the judge and scrape targets) accepts a TCP \
            connection (nothing is sent), the clock is sane, the rule files load, and the daemon answers \
            /readyz at its listen address. Exits 1 when something must be fixed (a FAIL line).
            """
    )

    static let defaultConfig = "/etc/infermon/infermon.yaml"
    static let unitStateDirectory = "/var/lib/infermon"

    @Option(
        help: ArgumentHelp(
            "Configuration file (default: \(defaultConfig) when it exists, else the built-in defaults).",
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "The daemon's address (default: http:// and server.listen from the configuration).", valueName: "url"))
    var url: String?

    @Option(
        help: ArgumentHelp(
            "The service's state directory, where the store is unless storage.path says otherwise"
                + " (default: $STATE_DIRECTORY, else \(unitStateDirectory) when it exists).",
            valueName: "dir"))
    var stateDirectory: String?

    @Option(help: ArgumentHelp("How long to wait for each TCP connection, in seconds.", valueName: "seconds"))
    var connectTimeout: Double = 2

    @Option(help: ArgumentHelp("A source whose newest file is older than this warns.", valueName: "minutes"))
    var quietMinutes: Int = 60

    func run() async throws {
        var findings: [DoctorFinding] = []
        func report(_ finding: DoctorFinding) {
            print(finding.line)
            findings.append(finding)
        }
        let environment = processEnvironment
        let path = config ?? (access(Self.defaultConfig, F_OK) == 0 ? Self.defaultConfig : nil)
        var configuration: Configuration?
        do {
            configuration =
                try path.map { try ConfigurationLoader.load(path: $0) }
                ?? Configuration()
            report(.ok("config", "\(path ?? "built-in defaults (no --config, no \(Self.defaultConfig))") loads"))
        } catch let problems as ConfigurationProblems {
            for problem in problems.problems { report(.fail("config", describe(problem), fix: "correct the file")) }
        } catch {
            report(.fail("config", describe(error), fix: "correct the file"))
        }
        if let configuration {
            for finding in Self.configurationChecks(configuration, path: path, environment: environment) {
                report(finding)
            }
            if configuration.storage.backend == .postgres {
                report(await postgres(configuration, environment: environment))
            } else {
                report(store(configuration, environment: environment))
            }
            for source in configuration.sources { report(self.source(source)) }
            for finding in reachability(configuration, environment: environment) { report(finding) }
        }
        for finding in clock() { report(finding) }
        if let configuration { report(await daemon(configuration)) }

        let failed = findings.filter { $0.level == .fail }.count
        let warned = findings.filter { $0.level == .warn }.count
        print(
            failed == 0
                ? "\(findings.count) checks: nothing to fix" + (warned > 0 ? ", \(warned) to look at" : "")
                : "\(findings.count) checks: \(failed) to fix" + (warned > 0 ? ", \(warned) to look at" : ""))
        if failed > 0 { throw ExitCode(1) }
    }

    /// serve's own start-up checks, then the rule files counted.
    static func configurationChecks(_ config: Configuration, path: String?, environment: [String: String])
        -> [DoctorFinding]
    {
        var findings: [DoctorFinding] = []
        let check = "infermon config check " + (path ?? "")
        let problems = StartupCheck.problems(config, environment: environment)
        for problem in problems {
            findings.append(.fail("startup", describe(problem), fix: fixFor(problem, configPath: path)))
        }
        if problems.isEmpty {
            findings.append(
                .ok(
                    "startup",
                    "serve's start-up checks pass (listen address and token, price table, rule files,"
                        + " receivers' secrets, judge key, scrape token files)"))
        }
        do {
            let groups = try AlertingWiring.ruleGroups(config)
            let files = Set(groups.map(\.file)).count
            let rules = groups.reduce(0) { $0 + $1.rules.count }
            findings.append(.ok("rules", "\(files) rule files load: \(groups.count) groups, \(rules) rules"))
        } catch {
            findings.append(.fail("rules", "the rule files do not load", fix: "see \(check)"))
        }
        return findings
    }

    static func fixFor(_ problem: any Error, configPath: String?) -> String {
        let text = describe(problem)
        if text.contains("token_file") {
            return "create the token: openssl rand -hex 32 > FILE; chmod 0600 FILE (deploy/install.sh does this)"
        }
        if text.contains("environment variable") || text.contains("_env") {
            return "set the variable in /etc/default/infermon (the unit's EnvironmentFile=), then restart"
        }
        return "correct the configuration" + (configPath.map { " (\($0))" } ?? "")
    }

    /// `backend: postgres`: the server answers this host with the configured
    /// credentials, read-only (doctor writes nothing, not even the schema).
    func postgres(_ config: Configuration, environment: [String: String]) async -> DoctorFinding {
        let url = config.storage.postgres?.redactedURL ?? "postgres"
        do {
            let answer = try await StoreBackend.readOnlySQL(
                config: config, environment: environment,
                sql: "SELECT current_setting('server_version'), to_regclass('schema_version') IS NOT NULL",
                rowLimit: 1, timeoutMillis: 10_000)
            let version = answer.rows.first?.first?.description ?? "?"
            guard answer.rows.first?.last?.description == "true" else {
                return .warn(
                    "store", "\(url) (PostgreSQL \(version)) answers but holds no infermon schema yet",
                    fix: "nothing if this is a new database: the first `infermon serve` creates it")
            }
            return .ok("store", "\(url) (PostgreSQL \(version)) answers")
        } catch {
            return .fail(
                "store", describe(error),
                fix: "check storage.postgres (url, password_file, tls, ca_file) and that the server lets this host in")
        }
    }

    func store(_ config: Configuration, environment: [String: String]) -> DoctorFinding {
        var environment = environment
        if let stateDirectory {
            environment["STATE_DIRECTORY"] = stateDirectory
        } else if environment["STATE_DIRECTORY"] == nil, access(Self.unitStateDirectory, F_OK) == 0 {
            environment["STATE_DIRECTORY"] = Self.unitStateDirectory
        }
        let database = config.storage.resolvedPath(environment: environment)
        let directory = database.lastIndex(of: "/").map { String(database[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        var existing = directory
        while HostChecks.status(existing) == nil, let slash = existing.lastIndex(of: "/") {
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
        guard let info = HostChecks.status(existing), info.isDirectory else {
            return .fail(
                "store", "\(existing) is not a directory (store \(database))",
                fix: "set storage.path to a file in a directory, or move \(existing) away")
        }
        guard access(existing, W_OK) == 0 else {
            return .fail(
                "store", "\(existing) is not writable by this user (store \(database))",
                fix: "fix the owner or mode of \(existing), or set storage.path")
        }
        var message = database
        if let info = HostChecks.status(database) {
            message += " (\(HostChecks.bytes(info.size)))"
        } else {
            message += existing == directory ? " (created on first start)" : " (\(directory) created on first start)"
        }
        guard let (free, total) = HostChecks.freeBytes(existing) else {
            return .warn("store", message + "; free space unknown", fix: "df -h \(existing)")
        }
        message += ", \(HostChecks.bytes(free)) free of \(HostChecks.bytes(total))"
        if free < 256 << 20 {
            return .fail(
                "store", message,
                fix: "free space on that file system: the store refuses writes when the disk is full")
        }
        if free < 2 << 30 || free < total / 20 {
            return .warn("store", message, fix: "free space, or shorten storage.retention")
        }
        return .ok("store", message + ", writable")
    }

    func source(_ source: FileSourceOptions) -> DoctorFinding {
        let check = "source \(source.name)"
        let files = Set(source.paths.flatMap(HostChecks.glob)).sorted().filter {
            HostChecks.status($0)?.isRegularFile ?? false
        }
        guard !files.isEmpty else {
            return .warn(
                check, "no file matches \(source.paths.joined(separator: ", ")) yet",
                fix: "check the paths, and that the application writes its log there")
        }
        let root = geteuid() == 0
        // Root reads everything, the service's dynamic user does not: judge by the mode bits then.
        let unreadable = files.filter { file in
            if !root { return access(file, R_OK) != 0 }
            return !(HostChecks.status(file)?.isWorldReadable ?? false)
        }
        if unreadable.count == files.count {
            let example = unreadable[0]
            let group = HostChecks.status(example).flatMap { getgrgid(gid_t($0.group)) }.map {
                String(cString: $0.pointee.gr_name)
            }
            return .fail(
                check,
                "\(files.count) file(s) match but none is readable by the service's user (e.g. \(example))",
                fix: group.map { "add SupplementaryGroups=\($0) to the unit (systemctl edit infermon)" }
                    ?? "make the files readable to the service")
        }
        let newest = files.compactMap { HostChecks.status($0)?.modified }.max() ?? 0
        let quiet = HostChecks.now() - newest
        var message = "\(files.count) file(s) match, newest written \(HostChecks.age(quiet)) ago"
        if !unreadable.isEmpty {
            message += "; \(unreadable.count) not readable by the service (e.g. \(unreadable[0]))"
        }
        if quiet > quietMinutes * 60 {
            return .warn(
                check, message + " (no growth for over \(quietMinutes)m)",
                fix: "check that the application is running and logs to \(source.paths.joined(separator: ", "))")
        }
        if !unreadable.isEmpty { return .warn(check, message, fix: "make those files readable to the service") }
        return .ok(check, message)
    }

    /// A TCP connection to every receiver, the judge and every scrape target. Nothing is sent.
    func reachability(_ config: Configuration, environment: [String: String]) -> [DoctorFinding] {
        let timeout = Int32(max(1, connectTimeout * 1000))
        var findings: [DoctorFinding] = []
        func probe(_ check: String, _ url: String, fix: String) {
            guard let (host, port) = HostChecks.hostAndPort(ofURL: url) else {
                findings.append(.fail(check, "\(url) is not an http(s) URL", fix: "correct the URL"))
                return
            }
            if let error = HostChecks.connect(host: host, port: port, timeoutMillis: timeout) {
                findings.append(.fail(check, "cannot connect to \(host):\(port): \(error)", fix: fix))
            } else {
                findings.append(.ok(check, "\(host):\(port) accepts connections"))
            }
        }
        if config.notifications.isEnabled {
            for receiver in config.notifications.receivers {
                for integration in receiver.integrations {
                    // An unresolvable URL (file or variable missing) is already a startup FAIL.
                    guard let url = try? integration.url.resolve(environment: environment) else { continue }
                    probe(
                        "receiver \(receiver.name) (\(integration.config.kind.rawValue))", url,
                        fix: "check the URL, and DNS, firewall and proxy settings of this host")
                }
            }
        } else {
            findings.append(.ok("notifications", "off (no route): alerts are evaluated but not sent"))
        }
        if config.quality.enabled, let judge = config.llmJudge {
            probe("judge", judge.url, fix: "check quality.llm_judge.url, and DNS, firewall and proxy settings")
        }
        for job in config.scrape.jobs {
            for target in job.targets {
                probe(
                    "scrape \(job.name)", "\(target.scheme)://\(target.address)/",
                    fix: "check that the model server runs and listens on \(target.address)")
            }
        }
        return findings
    }

    func clock() -> [DoctorFinding] {
        let now = HostChecks.now()
        var findings: [DoctorFinding] = []
        let stamp = TimeParsing.formatRFC3339(Int64(now) * 1000)
        // The binary cannot have been built after now: a clock behind that is wrong.
        if let built = HostChecks.status("/proc/self/exe")?.modified, now < built - 86_400 {
            findings.append(
                .fail(
                    "clock",
                    "reads \(stamp), before this binary was written"
                        + " (\(TimeParsing.formatRFC3339(Int64(built) * 1000)))",
                    fix: "set the clock and enable time sync: timedatectl set-ntp true"))
            return findings
        }
        let synchronized = HostChecks.output(of: "/usr/bin/timedatectl", ["show", "-p", "NTPSynchronized", "--value"])?
            .trimmingWhitespace
        switch synchronized {
        case "yes": findings.append(.ok("clock", "\(stamp), NTP synchronized"))
        case "no":
            findings.append(
                .warn(
                    "clock", "\(stamp), not NTP synchronized",
                    fix: "timedatectl set-ntp true (systemd-timesyncd or chrony): alert times and rate windows"
                        + " follow this clock"))
        default: findings.append(.ok("clock", "\(stamp) (NTP state unknown: timedatectl did not answer)"))
        }
        return findings
    }

    func daemon(_ config: Configuration) async -> DoctorFinding {
        var base = url
        if base == nil, let (host, port) = try? config.server.hostAndPort() {
            let reachable = host == "0.0.0.0" ? "127.0.0.1" : host == "::" ? "::1" : host
            base = reachable.contains(":") ? "http://[\(reachable)]:\(port)" : "http://\(reachable):\(port)"
        }
        guard let base else {
            return .fail("daemon", "server.listen \(config.server.listen) is not host:port", fix: "correct it")
        }
        let tokenFile = config.server.tokenFile.flatMap { access($0, R_OK) == 0 ? $0 : nil }
        let fix = "start it: systemctl start infermon; why it stopped: journalctl -u infermon"
        do {
            let client = try DaemonClient(server: base, tokenFile: tokenFile)
            let (status, body) = try await client.request(.GET, "/readyz", timeoutSeconds: 5)
            let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingWhitespace
            switch status {
            case 200: return .ok("daemon", "answers \(base)/readyz: ready")
            case 401, 403:
                return .warn(
                    "daemon", "\(base)/readyz answered \(status)", fix: "run doctor as a user who can read the token")
            default:
                return .fail("daemon", "\(base)/readyz answered \(status): \(text)", fix: "journalctl -u infermon")
            }
        } catch {
            return .fail("daemon", "no answer at \(base)/readyz: \(describe(error))", fix: fix)
        }
    }
}

private func describe(_ error: any Error) -> String {
    (error as? InfermonError)?.description ?? "\(error)"
}
