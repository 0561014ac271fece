import Foundation
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An operator's first day: `deploy/install.sh` into a scratch root, then the
/// daemon started as its unit starts it (the unit file's own ExecStart,
/// WorkingDirectory, EnvironmentFile, StateDirectory and LoadCredential lines;
/// an unprivileged user when the test runs as root) on the example
/// configuration, unedited, until `/readyz` says ready. A second install keeps
/// the operator's edits and puts the new files beside them as `.dist`.
@Suite("install.sh and the unit, as an operator meets them")
struct InstallTests {
    /// Runs install.sh below `root` with the binary under test.
    static func install(root: String, log: TemporaryDirectory, name: String) async throws -> (
        status: Int32, output: String
    ) {
        let bash = try #require(findExecutable("bash"))
        let result = try await runCommand(
            bash,
            [
                SystemdTests.repositoryRoot + "/deploy/install.sh", "--root", root, "--binary",
                ChildProcess.infermonBinary(),
            ],
            directory: log.path, name: name)
        return (result.status, result.stdout + result.stderr)
    }

    /// `Key=value` lines of the unit's [Service] section, in order.
    static func serviceSettings(_ unit: String) -> [(key: String, value: String)] {
        var inService = false
        var settings: [(String, String)] = []
        for line in unit.split(separator: "\n") {
            let text = line.trimmedForTest
            if text.hasPrefix("[") { inService = text == "[Service]" }
            guard inService, !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            settings.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
        }
        return settings
    }

    /// `VARIABLE=value` lines of an EnvironmentFile=, comments skipped.
    static func environmentFile(_ text: String) -> [String: String] {
        var environment: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let text = line.trimmedForTest
            guard !text.hasPrefix("#"), let equals = text.firstIndex(of: "=") else { continue }
            var value = String(text[text.index(after: equals)...])
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            environment[String(text[..<equals])] = value
        }
        return environment
    }

    static func read(_ path: String) throws -> String { String(decoding: try TestFiles.read(path), as: UTF8.self) }

    /// Whether something accepts TCP connections at an IPv4 `host:port`.
    static func accepts(_ listen: String) -> Bool {
        guard let colon = listen.lastIndex(of: ":"), let port = UInt16(listen[listen.index(after: colon)...]) else {
            return false
        }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(String(listen[..<colon]))
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Permission bits and owner, through Foundation: `struct stat` is claimed by
    /// more than one clang module on Linux, which member import visibility rejects.
    static func status(_ path: String) -> (st_mode: Int, st_uid: UInt32)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let mode = attributes[.posixPermissions] as? Int, let owner = attributes[.ownerAccountID] as? NSNumber
        else { return nil }
        return (mode, owner.uint32Value)
    }

    static func chown(_ path: String, user: (uid: uid_t, gid: gid_t)) {
        _ = Glibc.chown(path, user.uid, user.gid)
    }

    /// A user's ids by `getpwnam_r`: `getpwnam` answers in one static buffer shared by
    /// every thread, which another test's lookup (of `postgres`) can overwrite meanwhile.
    static func ids(of name: String) -> (uid: uid_t, gid: gid_t)? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return (entry.pw_uid, entry.pw_gid)
    }

    @Test func installsAndTheUnitsCommandStartsOnTheUneditedExample() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-install")
        // The service's user must be able to reach the files below the scratch root.
        chmod(directory.path, 0o755)
        let root = directory.file("root")
        let first = try await Self.install(root: root, log: directory, name: "install-1")
        try #require(first.status == 0, "\(first.output)")
        #expect(first.output.contains("created /etc/infermon/token"), "\(first.output)")

        // What install.sh created: the secrets root-only, the token long and random.
        let token = try Self.read(root + "/etc/infermon/token").trimmedForTest
        #expect(token.count >= 32)
        #expect(Set(token).count > 8, "random, not a fixed string: \(token)")
        #expect(Self.status(root + "/etc/infermon/token").map { $0.st_mode & 0o7777 } == 0o600)
        #expect(Self.status(root + "/etc/default/infermon").map { $0.st_mode & 0o7777 } == 0o600)

        // The daemon as the installed unit starts it.
        let unit = try Self.read(root + "/etc/systemd/system/infermon.service")
        let settings = Self.serviceSettings(unit)
        func setting(_ key: String) throws -> String { try #require(settings.last { $0.key == key }?.value, "\(key)=") }
        let execStart = try setting("ExecStart").split(separator: " ").map(String.init)
        let arguments = execStart.map { $0.hasPrefix("/") ? root + $0 : $0 }
        #expect(execStart.first == "/usr/local/bin/infermon")
        #expect(arguments.contains(root + "/etc/infermon/infermon.yaml"), "\(execStart)")
        let stateDirectory = root + "/var/lib/" + (try setting("StateDirectory"))
        let workingDirectory = root + (try setting("WorkingDirectory")).replacing("%S", with: "/var/lib")
        #expect(workingDirectory == stateDirectory, "the unit works in its state directory")
        let environmentFile = try setting("EnvironmentFile")
        #expect(environmentFile.hasPrefix("-"), "the environment file is optional")
        let credential = try setting("LoadCredential").split(separator: ":", maxSplits: 1).map(String.init)
        try #require(credential.count == 2)

        // What systemd does before ExecStart: the state directory for the service's user,
        // the credential copied where only that user reads it, a clean environment.
        let runAsNobody = geteuid() == 0 && findExecutable("setpriv") != nil
        let nobody = Self.ids(of: "nobody")
        _ = mkdir(root + "/var", 0o755)
        _ = mkdir(root + "/var/lib", 0o755)
        _ = mkdir(stateDirectory, 0o700)
        let credentials = directory.file("credentials")
        _ = mkdir(credentials, 0o700)
        try TestFiles.append(
            try Self.read(root + credential[1]), to: credentials + "/" + credential[0])
        chmod(credentials + "/" + credential[0], 0o400)
        if runAsNobody, let nobody {
            for path in [stateDirectory, credentials, credentials + "/" + credential[0]] {
                Self.chown(path, user: nobody)
            }
        }
        var environment = Self.environmentFile(try Self.read(root + environmentFile.dropFirst()))
        environment["PATH"] = "/usr/local/bin:/usr/bin:/bin"
        environment["STATE_DIRECTORY"] = stateDirectory
        environment["CREDENTIALS_DIRECTORY"] = credentials

        // The example listens where it says. If something on this host already
        // does (a running infermon, a demo), only the port is changed, and said.
        let configPath = root + "/etc/infermon/infermon.yaml"
        var config = try Self.read(configPath)
        var listen = try #require(
            config.split(separator: "\n").first { $0.hasPrefix("  listen: ") }?.split(separator: " ").last.map(
                String.init))
        if Self.accepts(listen) {
            let free = "127.0.0.1:\(try await RecordingReceiver.reservablePort())"
            print("install test: \(listen), the example's listen address, is taken on this host; using \(free)")
            config = config.replacing("  listen: \(listen)", with: "  listen: \(free)")
            TestFiles.remove(configPath)
            try TestFiles.append(config, to: configPath)
            listen = free
        }
        let base = "http://\(listen)"

        let env = try #require(findExecutable("env"))
        let command =
            (runAsNobody ? ["--reuid=nobody", "--regid=nogroup", "--clear-groups", env] : [])
            + ["-C", workingDirectory] + arguments
        let daemon = try ChildProcess(
            executable: runAsNobody ? try #require(findExecutable("setpriv")) : env, arguments: command,
            environment: environment, outputPrefix: directory.file("serve"))
        defer { daemon.discard() }
        let ready = try await waitUntil(timeoutSeconds: 60, pollMillis: 100) {
            guard daemon.isRunning else { return true }
            return (try? await HTTP.request(.get, base + "/readyz"))?.status == 200
        }
        try #require(ready && daemon.isRunning, "not ready: \(daemon.standardError().suffix(3000))")
        // The token it enforces is the credential's: a push with it is taken (and its
        // one malformed line counted), a push without it refused.
        let push = try await HTTP.request(.post, base + "/api/v1/events", body: "{not json\n", token: token)
        #expect(push.status == 400 && push.body.contains(#""rejected":1"#), "\(push.status) \(push.body)")
        #expect(try await HTTP.request(.post, base + "/api/v1/events", body: "{not json\n").status == 401)
        if runAsNobody {
            let owner = Self.status(stateDirectory + "/infermon.db")?.st_uid
            #expect(owner == nobody?.uid, "the store belongs to the service's user")
        }
        daemon.signal(SIGTERM)
        #expect(try await daemon.wait() == 0, "\(daemon.standardError().suffix(2000))")
    }

    @Test func aSecondInstallKeepsTheOperatorsEditsAndPutsTheNewFileBeside() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-install")
        let root = directory.file("root")
        try #require(try await Self.install(root: root, log: directory, name: "install-1").status == 0)
        let rule = root + "/etc/infermon/rules/serving.rules.yaml"
        let shipped = try Self.read(SystemdTests.repositoryRoot + "/rules/serving.rules.yaml")
        #expect(try Self.read(rule) == shipped)
        try TestFiles.append("# tuned for our traffic\n", to: rule)
        let token = try Self.read(root + "/etc/infermon/token")
        let untouched = root + "/etc/infermon/rules/drift.rules.yaml"
        let untouchedText = try Self.read(untouched)

        let second = try await Self.install(root: root, log: directory, name: "install-2")
        try #require(second.status == 0, "\(second.output)")
        #expect(try Self.read(rule) == shipped + "# tuned for our traffic\n", "the edit stays")
        #expect(try Self.read(rule + ".dist") == shipped, "the new version is beside it")
        #expect(second.output.contains("/etc/infermon/rules/serving.rules.yaml.dist"), "and install.sh says so")
        #expect(access(untouched + ".dist", F_OK) != 0, "an unchanged file gets no .dist")
        #expect(try Self.read(untouched) == untouchedText)
        #expect(try Self.read(root + "/etc/infermon/token") == token, "the token is created once")
        #expect(!second.output.contains("created /etc/infermon/token"))
    }

    @Test func installsCompletionsAndAManualPageThatParse() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-install")
        let root = directory.file("root")
        try #require(try await Self.install(root: root, log: directory, name: "install").status == 0)
        let share = root + "/usr/local/share"
        let bashCompletion = share + "/bash-completion/completions/infermon"
        let bash = try #require(findExecutable("bash"))
        let syntax = try await runCommand(bash, ["-n", bashCompletion], directory: directory.path, name: "bash-n")
        #expect(syntax.status == 0, "\(syntax.stderr)")
        let sourced = try await runCommand(
            bash, ["-c", "source \"$0\" && complete -p infermon", bashCompletion], directory: directory.path,
            name: "bash-source")
        #expect(sourced.status == 0 && sourced.stdout.contains("infermon"), "\(sourced.stdout)\(sourced.stderr)")
        #expect(try Self.read(share + "/zsh/site-functions/_infermon").hasPrefix("#compdef infermon"))
        let fish = try Self.read(share + "/fish/vendor_completions.d/infermon.fish")
        #expect(fish.contains("complete -c 'infermon'"))
        for command in ["doctor", "serve", "config"] {
            #expect(try Self.read(bashCompletion).contains(command), "\(command) completes")
        }

        let manual = share + "/man/man1/infermon.1"
        let page = try Self.read(manual)
        #expect(page.hasPrefix(".TH INFERMON 1 "))
        for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS", ".SS \"infermon doctor\""] {
            #expect(page.contains(section), "\(section)")
        }
        #expect(page.contains("\\-\\-config"), "options are listed")
        if let groff = findExecutable("groff") {
            let rendered = try await runCommand(
                groff, ["-man", "-Tutf8", "-ww", "-P-cbou", manual], directory: directory.path, name: "groff")
            #expect(rendered.status == 0)
            #expect(rendered.stderr.isEmpty, "groff warnings: \(rendered.stderr)")
            #expect(rendered.stdout.contains("doctor"))
        } else {
            print("groff is not installed: the manual page's structure was checked, not its rendering")
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line ends.
    fileprivate var trimmedForTest: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
