import Foundation
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// What `infermon doctor` found about one thing: ok, worth a look, or must be fixed.
struct DoctorFinding: Sendable, Equatable {
    enum Level: String, Sendable {
        case ok, warn
        case fail = "FAIL"
    }

    var level: Level
    var check: String
    var message: String
    /// What to do about it; nil when there is nothing to do.
    var fix: String?

    static func ok(_ check: String, _ message: String) -> Self { Self(level: .ok, check: check, message: message) }
    static func warn(_ check: String, _ message: String, fix: String) -> Self {
        Self(level: .warn, check: check, message: message, fix: fix)
    }
    static func fail(_ check: String, _ message: String, fix: String) -> Self {
        Self(level: .fail, check: check, message: message, fix: fix)
    }

    /// One line: `FAIL  store: … -- fix: …`.
    var line: String {
        let tag = level.rawValue.padding(to: 4)
        return "\(tag)  \(check): \(message)" + (fix.map { " -- fix: \($0)" } ?? "")
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// The host-level probes behind `infermon doctor`: file systems, sockets, the clock.
enum HostChecks {
    /// Host and port of an http(s) URL (`https://hooks.example.com/x` is hooks.example.com:443).
    static func hostAndPort(ofURL url: String) -> (host: String, port: Int)? {
        let lower = url.lowercased()
        let defaultPort: Int
        let rest: Substring
        if lower.hasPrefix("https://") {
            (defaultPort, rest) = (443, url.dropFirst(8))
        } else if lower.hasPrefix("http://") {
            (defaultPort, rest) = (80, url.dropFirst(7))
        } else {
            return nil
        }
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return hostAndPort(authority: authority, defaultPort: defaultPort)
    }

    /// `host:port`, `[v6]:port` or `host` (then `defaultPort`).
    static func hostAndPort(authority: Substring, defaultPort: Int) -> (host: String, port: Int)? {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return (host, defaultPort) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()) else { return nil }
            return (host, port)
        }
        guard let colon = authority.lastIndex(of: ":") else {
            return authority.isEmpty ? nil : (String(authority), defaultPort)
        }
        guard let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        return (String(authority[..<colon]), port)
    }

    /// Opens a TCP connection to host:port within `timeoutMillis` and closes it at once: nil when
    /// it connected, else why not. Nothing is sent.
    static func connect(host: String, port: Int, timeoutMillis: Int32) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            return "cannot resolve \(host): \(String(cString: gai_strerror(status)))"
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let descriptor = socket(
                current.pointee.ai_family,
                current.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue)
                    | Int32(SOCK_CLOEXEC.rawValue), current.pointee.ai_protocol)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            if Glibc.connect(descriptor, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return nil }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                continue
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = poll(&poller, 1, timeoutMillis)
            if ready == 0 {
                lastError = "no answer within \(timeoutMillis) ms"
                continue
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == 0 { return nil }
            lastError = String(cString: strerror(error))
        }
        return lastError
    }

    /// Paths matching a shell glob now.
    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// What doctor reads of a file, in plain values (through Foundation: in
    /// this target the C `stat` fields belong to a module it does not import).
    struct FileStatus {
        var isDirectory: Bool
        var isRegularFile: Bool
        var permissions: Int
        var size: UInt64
        var group: UInt32
        var modified: Int
        var isWorldReadable: Bool { permissions & 0o004 != 0 }
    }

    static func status(_ path: String) -> FileStatus? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        let type = attributes[.type] as? FileAttributeType
        return FileStatus(
            isDirectory: type == .typeDirectory, isRegularFile: type == .typeRegular,
            permissions: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0,
            size: (attributes[.size] as? NSNumber)?.uint64Value ?? 0,
            group: (attributes[.groupOwnerAccountID] as? NSNumber)?.uint32Value ?? 0,
            modified: Int((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0))
    }

    /// Seconds since the epoch, by the wall clock.
    static func now() -> Int { Int(Date().timeIntervalSince1970) }

    /// Bytes free to an unprivileged user on the file system holding `path`.
    static func freeBytes(_ path: String) -> (free: UInt64, total: UInt64)? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return (UInt64(info.f_bavail) * UInt64(info.f_frsize), UInt64(info.f_blocks) * UInt64(info.f_frsize))
    }

    /// `2h`, `5m`, `40s`, `3d`.
    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<120: return "\(max(0, seconds))s"
        case ..<7200: return "\(seconds / 60)m"
        case ..<172_800: return "\(seconds / 3600)h"
        default: return "\(seconds / 86400)d"
        }
    }

    static func bytes(_ count: UInt64) -> String { formatBytes(Int64(clamping: count)) }

    /// Runs a program and returns its standard output, or nil if it could not run or failed.
    static func output(of executable: String, _ arguments: [String]) -> String? {
        guard access(executable, X_OK) == 0 else { return nil }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, nil, argv, environ)
        close(pipeEnds[1])
        defer { close(pipeEnds[0]) }
        guard spawned == 0 else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, $0.count) }
            if count > 0 {
                bytes += chunk[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
