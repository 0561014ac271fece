public import Foundation
import InfermonCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// A real headless Chromium for web UI tests, driven over the Chrome DevTools
/// Protocol through `--remote-debugging-pipe`: JSON messages, each ended by a
/// NUL byte, which the browser reads on descriptor 3 and writes on 4. Both are
/// one end of a socket pair here, so no port is opened and a browser that
/// dies fails the next call instead of raising SIGPIPE.
///
/// One page (target) is opened and attached to; `navigate`, `evaluate` and
/// `click` act on it. Calls are meant for one test at a time; they are async,
/// and waiting for the browser holds no thread of the cooperative pool.
public final class HeadlessChromium: @unchecked Sendable {
    /// `chromium` (Debian), or the other usual names, on `$PATH`.
    public static var executable: String? {
        findExecutable("chromium") ?? findExecutable("chromium-browser") ?? findExecutable("google-chrome")
    }

    public let pid: pid_t
    public let stderrPath: String
    private let socket: Int32
    private var buffer: [UInt8] = []
    private var lastID = 0
    private var session = ""
    private var exited = false

    /// Starts the browser with a fresh profile under `directory` and opens a blank page.
    public init(executable: String, directory: String, timeoutSeconds: Double = 30) async throws {
        stderrPath = directory + "/chromium.stderr"
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw InfermonError.io("socketpair: \(String(cString: strerror(errno)))")
        }
        // Above the descriptors the browser gets, so dup2 onto 3 and 4 never overwrites its source.
        let browserEnd = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        Glibc.close(pair[1])
        socket = pair[0]
        defer { Glibc.close(browserEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions, 1, directory + "/chromium.stdout", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, browserEnd, 3)
        posix_spawn_file_actions_adddup2(&actions, browserEnd, 4)
        // Nothing else of the test process reaches the browser (see ChildProcess).
        _ = Self.closeFrom.map { $0(&actions, 5) }
        let arguments = [
            executable, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--remote-debugging-pipe", "--user-data-dir=\(directory)/chromium-profile", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--mute-audio", "about:blank",
        ]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ChildProcess.currentEnvironment
        environment["HOME"] = directory
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var attributes = ChildProcess.shellLikeSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            Glibc.close(socket)
            throw InfermonError.io("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        let target = try await send("Target.createTarget", ["url": "about:blank"], timeoutSeconds: timeoutSeconds)
        guard let targetID = target["targetId"] as? String else {
            throw InfermonError.unavailable("chromium opened no page: \(target)")
        }
        let attached = try await send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
        guard let session = attached["sessionId"] as? String else {
            throw InfermonError.unavailable("chromium did not attach to the page: \(attached)")
        }
        self.session = session
    }

    deinit {
        if !exited {
            kill(pid, SIGKILL)
            ChildProcess.reapInBackground(pid)
        }
        Glibc.close(socket)
    }

    /// Loads `url` and waits until the new document has loaded.
    public func navigate(_ url: String, timeoutSeconds: Double = 30) async throws {
        try await markDocument()
        let answer = try await send("Page.navigate", ["url": url], inPage: true, timeoutSeconds: timeoutSeconds)
        if let error = answer["errorText"] as? String, !error.isEmpty {
            throw InfermonError.unavailable("chromium could not load \(url): \(error)")
        }
        try await waitForNewDocument(timeoutSeconds: timeoutSeconds)
    }

    /// Runs JavaScript in the page (awaiting a promise it returns) and gives back its JSON value.
    @discardableResult
    public func evaluate(_ expression: String, timeoutSeconds: Double = 30) async throws -> Any? {
        let answer = try await send(
            "Runtime.evaluate",
            ["expression": expression, "returnByValue": true, "awaitPromise": true],
            inPage: true, timeoutSeconds: timeoutSeconds)
        if let exception = answer["exceptionDetails"] as? [String: Any] {
            let description = (exception["exception"] as? [String: Any])?["description"] as? String
            throw InfermonError.invalidArgument(
                "script failed: \(description ?? exception["text"] as? String ?? "\(exception)")")
        }
        return (answer["result"] as? [String: Any])?["value"]
    }

    /// Clicks the first element `selector` matches, as a user would; false when there is none.
    @discardableResult
    public func click(_ selector: String) async throws -> Bool {
        do {
            return try await evaluate(
                "(() => { const e = document.querySelector(\(Self.jsString(selector))); if (!e) return false; e.click(); return true; })()"
            )
                as? Bool ?? false
        } catch  where Self.isNavigationRace(error) {
            // The click navigated before its answer came back: it found its element.
            return true
        }
    }

    /// Whether `error` only says the page navigated while a script ran in it
    /// (Chromium drops the answer of a script whose document went away).
    static func isNavigationRace(_ error: any Error) -> Bool {
        let text = "\(error)"
        return text.contains("navigated or closed") || text.contains("Execution context was destroyed")
            || text.contains("Cannot find context with specified id")
    }

    /// Whether an element matches `selector`.
    public func exists(_ selector: String) async throws -> Bool {
        try await evaluate("document.querySelector(\(Self.jsString(selector))) !== null") as? Bool == true
    }

    /// Types into the field `selector` matches (setting its value and firing `input`).
    public func fill(_ selector: String, with text: String) async throws {
        let found = try await evaluate(
            "(() => { const e = document.querySelector(\(Self.jsString(selector))); if (!e) return false; "
                + "e.value = \(Self.jsString(text)); e.dispatchEvent(new Event('input', {bubbles: true})); return true; })()"
        )
        guard found as? Bool == true else { throw InfermonError.invalidArgument("no element matches \(selector)") }
    }

    /// The page's visible text.
    public func bodyText() async throws -> String {
        try await evaluate("document.body ? document.body.innerText : ''") as? String ?? ""
    }

    /// Polls until `expression` is truthy in the page, or the time is up.
    public func waitFor(_ expression: String, timeoutSeconds: Double = 30) async throws -> Bool {
        try await waitUntil(timeoutSeconds: timeoutSeconds) {
            do {
                return try await evaluate("!!(\(expression))") as? Bool == true
            } catch  where Self.isNavigationRace(error) {
                return false  // asked while a navigation replaced the document: ask the new one
            }
        }
    }

    /// Marks the current document, so `waitForNewDocument` can tell when a navigation has replaced it.
    public func markDocument() async throws {
        try await evaluate("window.__infermonOldDocument = true")
    }

    /// Waits until a document without the mark has finished loading (after a click that navigates).
    public func waitForNewDocument(timeoutSeconds: Double = 30) async throws {
        guard
            try await waitFor(
                "!window.__infermonOldDocument && document.readyState === 'complete'", timeoutSeconds: timeoutSeconds)
        else { throw InfermonError.timeout("chromium: no new page loaded within \(timeoutSeconds)s") }
    }

    /// Closes the browser and waits (suspending) for it to exit; after 5 s it is killed.
    public func close() async {
        guard !exited else { return }
        _ = try? await send("Browser.close", [:], timeoutSeconds: 5)
        let deadline = monotonicNanoseconds() + 5_000_000_000
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if monotonicNanoseconds() > deadline {
                kill(pid, SIGKILL)
                ChildProcess.reapInBackground(pid)
                break
            }
            // Not `try await`: a cancelled task still closes the browser (the deadline ends it).
            try? await Task.sleep(for: .milliseconds(20))
        }
        exited = true
    }

    /// Ends the browser without waiting (SIGKILL, reaped in the background): for a
    /// `defer` in an async test, which cannot await `close()`. A no-op once closed.
    public func discard() {
        guard !exited else { return }
        kill(pid, SIGKILL)
        ChildProcess.reapInBackground(pid)
        exited = true
    }

    /// Sends one command and returns its `result`, skipping the events that arrive meanwhile.
    @discardableResult
    public func send(
        _ method: String, _ parameters: [String: Any], inPage: Bool = false, timeoutSeconds: Double = 30
    ) async throws -> [String: Any] {
        lastID += 1
        let id = lastID
        var message: [String: Any] = ["id": id, "method": method, "params": parameters]
        if inPage { message["sessionId"] = session }
        var bytes = Array(try JSONSerialization.data(withJSONObject: message))
        bytes.append(0)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw closed("writing \(method)") }
            offset += written
        }
        let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
        while true {
            let answer = try await receive(until: deadline, waitingFor: method)
            guard answer["id"] as? Int == id else { continue }
            if let error = answer["error"] as? [String: Any] {
                throw InfermonError.invalidArgument("\(method): \(error["message"] as? String ?? "\(error)")")
            }
            return answer["result"] as? [String: Any] ?? [:]
        }
    }

    /// The next message. Waiting for the browser to write blocks a thread of
    /// NIO's thread pool in `poll`, never one of the cooperative pool, and
    /// returns as soon as there is something to read (a reply that came late by
    /// a sleep between polls would widen every race with a navigation).
    private func receive(until deadline: UInt64, waitingFor method: String) async throws -> [String: Any] {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let data = Data(buffer[..<end])
                buffer.removeSubrange(...end)
                if let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] { return object }
                continue
            }
            let now = monotonicNanoseconds()
            guard now < deadline else { throw InfermonError.timeout("chromium did not answer \(method)") }
            let socket = socket
            let timeout = Int32(min(1000, (deadline - now) / 1_000_000 + 1))
            let ready = try await NIOThreadPool.singleton.runIfActive {
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                return poll(&descriptor, 1, timeout) > 0
            }
            guard ready else { continue }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = read(socket, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw closed("waiting for \(method)") }
            buffer += chunk[..<count]
        }
    }

    private func closed(_ doing: String) -> InfermonError {
        let log = (try? String(decoding: TestFiles.read(stderrPath), as: UTF8.self)) ?? ""
        return InfermonError.unavailable("chromium closed its pipe while \(doing): \(log.suffix(2000))")
    }

    /// A JavaScript string literal (JSON's rules are a subset of JavaScript's).
    public static func jsString(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np`, looked up by name (Swift's Glibc does not export it).
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}
