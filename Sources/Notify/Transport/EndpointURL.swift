import InfermonCore

/// An http or https URL, parsed just enough to check the scheme, compare hosts
/// for redirects and append an API path. Anything else (file:, gopher:, a
/// missing host) is refused when the configuration is loaded.
public struct EndpointURL: Sendable, Hashable {
    public let scheme: String
    public let host: String
    public let port: Int?
    /// Path and query, starting with `/`.
    public let pathAndQuery: String

    public init(parsing text: String) throws {
        guard let separator = text.firstRange(of: "://") else {
            throw InfermonError.invalidArgument("receiver URL must start with http:// or https://")
        }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw InfermonError.invalidArgument("receiver URL scheme must be http or https, not \(scheme)")
        }
        let rest = text[separator.upperBound...]
        let authorityEnd =
            rest.firstIndex { (character: Character) in character == "/" || character == "?" || character == "#" }
            ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        guard !authority.contains("@") else {
            throw InfermonError.invalidArgument("receiver URL must not carry credentials before the host")
        }
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw InfermonError.invalidArgument("receiver URL has an unterminated IPv6 address")
            }
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 }
            authority = authority[...close]
        } else if let colon = authority.lastIndex(of: ":") {
            port = Int(authority[authority.index(after: colon)...]) ?? -1
            authority = authority[..<colon]
        }
        guard !authority.isEmpty else { throw InfermonError.invalidArgument("receiver URL has no host") }
        if let port, !(1...65535).contains(port) {
            throw InfermonError.invalidArgument("receiver URL has an invalid port")
        }
        var path = String(rest[authorityEnd...])
        if let hash = path.firstIndex(of: "#") { path = String(path[..<hash]) }
        if !path.hasPrefix("/") { path = "/" + path }
        self.scheme = scheme
        self.host = authority.lowercased()
        self.port = port
        self.pathAndQuery = path
    }

    private init(scheme: String, host: String, port: Int?, pathAndQuery: String) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = pathAndQuery
    }

    public var text: String {
        "\(scheme)://\(host)" + (port.map { ":\($0)" } ?? "") + pathAndQuery
    }

    /// Appends an API path to a base URL such as `http://am:9093` or `http://host/alertmanager/`.
    public func appendingPath(_ suffix: String) throws -> EndpointURL {
        var base = pathAndQuery
        if let query = base.firstIndex(of: "?") { base = String(base[..<query]) }
        while base.hasSuffix("/") { base.removeLast() }
        return EndpointURL(scheme: scheme, host: host, port: port, pathAndQuery: base + suffix)
    }

    /// Where a redirect's `Location` points, when it stays on this host (a
    /// move from http to https is allowed, the reverse is not). Nil otherwise.
    public func sameHostRedirect(to location: String) -> EndpointURL? {
        if location.hasPrefix("/") && !location.hasPrefix("//") {
            return EndpointURL(scheme: scheme, host: host, port: port, pathAndQuery: location)
        }
        guard let target = try? EndpointURL(parsing: location), target.host == host else { return nil }
        if scheme == "https" && target.scheme == "http" { return nil }
        return target
    }
}
