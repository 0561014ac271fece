import Collectors
import InfermonConfig
import InfermonCore
import Server
import Store
import Testing

@Suite("Configuration loading")
struct ConfigurationLoaderTests {
    func load(_ text: String) throws -> Configuration {
        try ConfigurationLoader.load(text: text, file: "infermon.yaml")
    }

    func error(_ text: String) -> InfermonError? {
        do {
            _ = try load(text)
            return nil
        } catch let error as InfermonError {
            return error
        } catch {
            return nil
        }
    }

    @Test func emptyFileGivesTheDefaults() throws {
        let config = try load("")
        #expect(config.sources == FileSourceOptions.defaultSources)
        #expect(config.server.listen == "127.0.0.1:9464")
        #expect(config.storage.resolvedPath(environment: [:]) == "./infermon-data/infermon.db")
        #expect(
            config.storage.resolvedPath(environment: ["STATE_DIRECTORY": "/var/lib/infermon"])
                == "/var/lib/infermon/infermon.db")
    }

    @Test func everyKeyIsRead() throws {
        let config = try load(
            """
            storage:
              path: /data/i.db
              rollup_interval: 30s
              retention_check_interval: 1m
              retention:
                events: 3d
                rollups: 400d
                samples: 30d
                dead_letters: 2d
            server:
              listen: "[::1]:9500"
            sources:
              - name: gateway
                type: file
                paths: ["/var/log/gw/*.jsonl", "/var/log/gw/*.jsonl.1"]
                profile: litellm
                max_line_bytes: 2097152
                poll_interval: 100ms
                rotated_idle_polls: 40
                batch_events: 5000
            log:
              level: debug
              format: json
            """)
        #expect(config.storage.path == "/data/i.db" && config.storage.options.rollupInterval == .seconds(30))
        #expect(
            config.storage.options.retention.events == .seconds(3 * 86_400)
                && config.storage.options.retention.rollups == .seconds(400 * 86_400))
        #expect(config.storage.retentionCheckInterval == .seconds(60))
        #expect(try config.server.hostAndPort() == ("::1", 9500))
        let source = try #require(config.sources.first)
        #expect(source.name == "gateway" && source.profile == .litellm && source.paths.count == 2)
        #expect(
            source.maxLineBytes == 2_097_152 && source.pollInterval == .milliseconds(100)
                && source.rotatedIdlePolls == 40)
        #expect(source.batchEvents == 5000)
        #expect(config.log.level == "debug" && config.log.format == .json)
    }

    @Test func unknownKeysAreRejectedWithTheirPosition() {
        let error = self.error(
            """
            storage:
              retention:
                event: 3d
            """)
        #expect(error?.location == SourceLocation(file: "infermon.yaml", line: 3, column: 5))
        #expect(error?.message.contains("unknown key \"event\"") == true)
        #expect(error?.message.contains("did you mean \"events\"") == true)
    }

    @Test(
        arguments: [
            ("storage:\n  rollup_interval: soon\n", 2, 20, "expected a duration"),
            ("storage:\n  rollup_interval: 7s\n", 2, 20, "divide a day"),
            ("sources:\n  - name: a\n    paths: x\n    max_line_bytes: big\n", 4, 21, "expected a whole number"),
            ("sources:\n  - name: a\n    paths: x\n    profile: csv\n", 4, 14, "not one of native"),
            ("sources:\n  - name: a\n", 2, 5, "missing required key \"paths\""),
            ("sources:\n  - {name: a, paths: x}\n  - {name: a, paths: y}\n", 3, 12, "unique"),
            ("server:\n  listen: 9464\n", 2, 11, "host:port"),
            ("log: [info]\n", 1, 6, "expected a mapping"),
            ("storage:\n  path: [a\n", 3, 1, "YAML syntax"),
        ] as [(String, Int, Int, String)])
    func wrongValuesPointAtTheValue(text: String, line: Int, column: Int, message: String) {
        let error = self.error(text)
        #expect(error?.location?.line == line, "\(String(describing: error))")
        #expect(error?.location?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }
}
