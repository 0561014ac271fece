public import InfermonCore
public import InfermonYAML

#if canImport(Glibc)
    import Glibc
#endif

/// Where the PostgreSQL store is (`storage: {backend: postgres, postgres: …}`).
/// The section belongs to the store like the rest of `storage:`; the
/// `PostgresStore` target connects with it.
///
/// ```yaml
/// storage:
///   backend: postgres
///   postgres:
///     url: postgres://infermon@db.internal:5432/infermon   # ?sslmode=require, ?host=/run/postgresql
///     password_file: /etc/infermon/postgres-password      # or the password in the URL (not advised)
///     tls: disable | require | verify-full                # default: the URL's sslmode, else disable
///     ca_file: /etc/infermon/db-ca.pem                    # verify-full: trust this CA (default: the system's)
///     connect_timeout: 10s
///     host_name: collector-3      # who this daemon is in checkpoints (default: the host name)
///     evaluator_lease: 15s        # a dead evaluator is replaced within about this long
/// ```
public struct PostgresSettings: Sendable, Equatable {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        /// Encrypted, the server's certificate not checked.
        case require
        /// Encrypted, and the certificate must be valid for the host.
        case verifyFull = "verify-full"
    }

    public var host = "127.0.0.1"
    public var port = 5432
    /// A directory holding the server's unix socket (`?host=/run/postgresql`), used instead of TCP.
    public var socketDirectory: String?
    public var user = "infermon"
    public var database = "infermon"
    /// Given in the URL; a password file is the better place.
    public var urlPassword: String?
    public var passwordFile: String?
    public var tls = TLSMode.disable
    public var caFile: String?
    /// Milliseconds.
    public var connectTimeout: Duration = .seconds(10)
    /// This daemon's name in per-host state (file checkpoints); nil for the system host name.
    public var hostName: String?
    /// The bound on taking over from an evaluator whose session died (see `PostgresEvaluatorLock`).
    public var evaluatorLease: Duration = .seconds(15)

    public init() {}

    /// Reads `postgres://user[:password]@host[:port]/database[?sslmode=…&host=…]`.
    public init(url: String) throws {
        func fail(_ why: String) -> InfermonError { .invalidArgument("postgres url \(why): \(url)") }
        var rest = Substring(url)
        if rest.hasPrefix("postgres://") {
            rest = rest.dropFirst("postgres://".count)
        } else if rest.hasPrefix("postgresql://") {
            rest = rest.dropFirst("postgresql://".count)
        } else {
            throw fail("must start with postgres://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            if !name.isEmpty { database = try Self.percentDecoded(name) }
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecoded(userInfo[..<colon])
                urlPassword = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
            } else if !userInfo.isEmpty {
                user = try Self.percentDecoded(userInfo)
            }
        }
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw fail("has a bad port")
            }
            port = number
            rest = rest[..<colon]
        }
        if !rest.isEmpty { host = String(rest).trimmingBrackets() }
        for parameter in query.split(separator: "&") {
            let parts = parameter.split(separator: "=", maxSplits: 1)
            let value = parts.count == 2 ? try Self.percentDecoded(parts[1]) : ""
            switch parts.first ?? "" {
            case "sslmode":
                switch value {
                case "disable", "allow", "prefer": tls = .disable
                case "require": tls = .require
                case "verify-ca", "verify-full": tls = .verifyFull
                default: throw fail("has an unknown sslmode \(value)")
                }
            case "host":
                if value.hasPrefix("/") { socketDirectory = value } else { host = value }
            case "connect_timeout":
                guard let seconds = Int64(value), seconds > 0 else { throw fail("has a bad connect_timeout") }
                connectTimeout = .seconds(seconds)
            default: throw fail("has an unknown parameter \(parts.first ?? "")")
            }
        }
    }

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "url", "password_file", "tls", "ca_file", "connect_timeout", "host_name", "evaluator_lease",
        ])
        guard let url = map["url"] else { throw value.error("postgres needs a url (postgres://user@host:port/db)") }
        do {
            self = try PostgresSettings(url: try url.string())
        } catch let error as InfermonError {
            throw url.error("\(error)")
        }
        if let file = map["password_file"] { passwordFile = try file.filePath() }
        if let mode = map["tls"] {
            let text = try mode.string()
            guard let parsed = TLSMode(rawValue: text) else {
                throw mode.error("tls must be one of disable, require, verify-full")
            }
            tls = parsed
        }
        if let file = map["ca_file"] { caFile = try file.filePath() }
        if let timeout = map["connect_timeout"] { connectTimeout = try timeout.positiveDuration() }
        if let name = map["host_name"] { hostName = try name.string() }
        if let lease = map["evaluator_lease"] {
            evaluatorLease = try lease.positiveDuration()
            guard evaluatorLease >= .seconds(3) else {
                throw lease.error("evaluator_lease must be at least 3s")
            }
        }
    }

    /// The password: the password file's first line, else the URL's, else none.
    public func password() throws -> String? {
        guard let passwordFile else { return urlPassword }
        guard let file = fopen(passwordFile, "r") else {
            throw InfermonError.io("cannot read the postgres password file \(passwordFile)")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        while true {
            let byte = fgetc(file)
            if byte == EOF || byte == 10 || byte == 13 { break }
            bytes.append(UInt8(byte))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The URL without any password, for logs and `stats`.
    public var redactedURL: String {
        "postgres://\(user)@\(socketDirectory ?? host):\(port)/\(database)"
    }

    private static func percentDecoded(_ text: Substring) throws -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                else { throw InfermonError.invalidArgument("bad percent escape in postgres url") }
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func trimmingBrackets() -> String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}
