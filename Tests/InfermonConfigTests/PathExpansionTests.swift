import InfermonConfig
import InfermonCore
import Server
import Testing

/// `${NAME}` and `${NAME:-default}` in configured file paths: how a unit's
/// `LoadCredential=` token reaches `server.auth.token_file`.
@Suite("Environment variables in file paths")
struct PathExpansionTests {
    static func tokenFile(_ value: String, environment: [String: String]) throws -> String? {
        try YAMLValue.$environment.withValue(environment) {
            try ConfigurationLoader.load(
                text: "server:\n  auth:\n    token_file: \"\(value)\"\n", file: "/etc/infermon/infermon.yaml"
            ).server.tokenFile
        }
    }

    @Test func aSetVariableIsUsed() throws {
        let credentials = ["CREDENTIALS_DIRECTORY": "/run/credentials/infermon.service"]
        #expect(
            try Self.tokenFile("${CREDENTIALS_DIRECTORY:-.}/token", environment: credentials)
                == "/run/credentials/infermon.service/token")
        #expect(
            try Self.tokenFile("${CREDENTIALS_DIRECTORY}/token", environment: credentials)
                == "/run/credentials/infermon.service/token")
    }

    @Test func theDefaultIsTakenRelativeToTheFile() throws {
        #expect(try Self.tokenFile("${CREDENTIALS_DIRECTORY:-.}/token", environment: [:]) == "/etc/infermon/./token")
        #expect(
            try Self.tokenFile("${CREDENTIALS_DIRECTORY:-.}/token", environment: ["CREDENTIALS_DIRECTORY": ""])
                == "/etc/infermon/./token")
        #expect(try Self.tokenFile("${SECRETS:-/srv/secrets}/token", environment: [:]) == "/srv/secrets/token")
    }

    @Test func anUnsetVariableWithoutDefaultIsAnErrorAtItsPosition() throws {
        let error = #expect(throws: (any Error).self) {
            try Self.tokenFile("${CREDENTIALS_DIRECTORY}/token", environment: [:])
        }
        let message = "\(error.map { "\($0)" } ?? "")"
        #expect(message.contains("CREDENTIALS_DIRECTORY is not set"), "\(message)")
        #expect(message.contains("infermon.yaml:3:"), "\(message)")
    }

    @Test func malformedReferencesAreErrorsAndAPlainDollarIsLiteral() throws {
        #expect(throws: (any Error).self) { try Self.tokenFile("${CREDENTIALS_DIRECTORY/token", environment: [:]) }
        #expect(throws: (any Error).self) { try Self.tokenFile("${}/token", environment: [:]) }
        #expect(throws: (any Error).self) { try Self.tokenFile("${1X}/token", environment: [:]) }
        #expect(try Self.tokenFile("/etc/infermon/$token", environment: [:]) == "/etc/infermon/$token")
    }
}
