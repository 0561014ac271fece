import InfermonCore

extension Configuration {
    /// The `notifications:` section: Alertmanager's routing tree, receivers and
    /// inhibition rules, plus the outbox's retry settings. Without a `route`
    /// notification is off.
    public struct NotificationsSection: Sendable, Equatable {
        public var route: RouteSection?
        public var receivers: [ReceiverSection] = []
        public var inhibitRules: [InhibitRuleSection] = []
        public var outbox = OutboxSection()
        public var externalURL = ""
        public var notificationLogRetention: Int64 = 5 * 86_400_000
        public var silenceRetention: Int64 = 5 * 86_400_000

        public init() {}

        public var isEnabled: Bool { route != nil }
    }

    public struct RouteSection: Sendable, Equatable {
        public var receiver: String?
        public var groupBy: [String]?
        public var groupWait: Int64?
        public var groupInterval: Int64?
        public var repeatInterval: Int64?
        public var matchers: [LabelMatcher] = []
        public var continueMatching = false
        public var routes: [RouteSection] = []
        public init() {}
    }

    public struct ReceiverSection: Sendable, Equatable {
        public var name: String
        public var integrations: [IntegrationSection] = []
        public init(name: String) { self.name = name }
    }

    /// One `*_configs` entry. Kind-specific keys are checked by kind.
    public struct IntegrationSection: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case webhook, slack, discord, teams, alertmanager
        }

        public var kind: Kind
        public var url: SecretSource
        public var secret: SecretSource?
        public var timeout: Int64 = 10_000
        public var sendResolved: Bool?
        /// Messages per second and burst.
        public var rateLimit: (perSecond: Double, burst: Int)?
        public var maxAlerts = 0
        public var maxAlertsShown = 10
        public var username: String?
        public var resendInterval: Int64 = 60_000

        public init(kind: Kind, url: SecretSource) {
            self.kind = kind
            self.url = url
        }

        public static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.kind == rhs.kind && lhs.url == rhs.url && lhs.secret == rhs.secret && lhs.timeout == rhs.timeout
                && lhs.sendResolved == rhs.sendResolved && lhs.rateLimit?.perSecond == rhs.rateLimit?.perSecond
                && lhs.rateLimit?.burst == rhs.rateLimit?.burst && lhs.maxAlerts == rhs.maxAlerts
                && lhs.maxAlertsShown == rhs.maxAlertsShown && lhs.username == rhs.username
                && lhs.resendInterval == rhs.resendInterval
        }
    }

    /// A value kept out of the config file: given inline, read from a file, or
    /// from an environment variable, resolved when the daemon starts.
    public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
        case inline(String)
        case file(String, at: SourceLocation)
        case environment(String, at: SourceLocation)

        public func resolve(environment: [String: String]) throws -> String {
            switch self {
            case .inline(let value):
                return value
            case .file(let path, let location):
                do {
                    return try readTextFile(path).trimming(" \t\r\n")
                } catch {
                    throw InfermonError.invalidInput("cannot read \(path): \(error)", at: location)
                }
            case .environment(let name, let location):
                guard let value = environment[name], !value.isEmpty else {
                    throw InfermonError.invalidInput("environment variable \(name) is not set", at: location)
                }
                return value
            }
        }

        /// Where in the config file it was given, for errors found when resolving it.
        public var location: SourceLocation? {
            switch self {
            case .inline: nil
            case .file(_, let location), .environment(_, let location): location
            }
        }

        /// Never the value itself.
        public var description: String {
            switch self {
            case .inline: "<inline>"
            case .file(let path, _): "file \(path)"
            case .environment(let name, _): "env \(name)"
            }
        }
    }

    public struct InhibitRuleSection: Sendable, Equatable {
        public var sourceMatchers: [LabelMatcher] = []
        public var targetMatchers: [LabelMatcher] = []
        public var equal: [String] = []
        public init() {}
    }

    public struct OutboxSection: Sendable, Equatable {
        public var ttl: Int64 = 86_400_000
        public var initialBackoff: Int64 = 1_000
        public var maxBackoff: Int64 = 300_000
        public var jitter = 0.2
        public init() {}
    }
}
