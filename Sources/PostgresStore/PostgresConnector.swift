import InfermonCore
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Store
import Synchronization

/// Opens connections as `PostgresSettings` say: TCP or a unix socket, the
/// password from its file, TLS as configured.
struct PostgresConnector: Sendable {
    let settings: PostgresSettings
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    private let ids = IDCounter()

    init(settings: PostgresSettings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        let password = try settings.password()
        var configuration: PostgresConnection.Configuration
        if let directory = settings.socketDirectory {
            configuration = .init(
                unixSocketPath: "\(directory)/.s.PGSQL.\(settings.port)", username: settings.user, password: password,
                database: settings.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch settings.tls {
            case .disable: tls = .disable
            case .require:
                var config = TLSConfiguration.makeClientConfiguration()
                config.certificateVerification = .none
                tls = .require(try NIOSSLContext(configuration: config))
            case .verifyFull:
                var config = TLSConfiguration.makeClientConfiguration()
                if let caFile = settings.caFile {
                    config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
                }
                tls = .require(try NIOSSLContext(configuration: config))
            }
            configuration = .init(
                host: settings.host, port: settings.port, username: settings.user, password: password,
                database: settings.database, tls: tls)
        }
        configuration.options.connectTimeout = .milliseconds(settings.connectTimeout.millis)
        self.configuration = configuration
    }

    func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: ids.next(),
            logger: logger)
    }

    /// Blocks the calling thread (never an event loop's) until connected.
    func connectSynchronously() throws -> PostgresConnection {
        let future: EventLoopFuture<PostgresConnection> = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: ids.next(),
            logger: logger)
        return try future.wait()
    }
}

final class IDCounter: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock {
            $0 += 1
            return $0
        }
    }
}
