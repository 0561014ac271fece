import Alerting
import Foundation
import InfermonCore
import InfermonTesting
import Synchronization
import Testing

/// The real promtool (Debian's prometheus 2.42), the oracle these tests compare against.
enum Promtool {
    static let path = "/usr/bin/promtool"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: path) }

    /// Runs promtool; returns the exit status, stdout and stderr.
    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String, error: String) {
        try await runProcess(path, arguments)
    }
}

/// Runs a program to completion, suspending (not blocking a thread) while it
/// runs; its output goes through files in a scratch directory.
func runProcess(_ executable: String, _ arguments: [String]) async throws
    -> (status: Int32, output: String, error: String)
{
    let directory = try TemporaryDirectory(prefix: "infermon-process")
    let result = try await runCommand(executable, arguments, directory: directory.path, name: "run")
    return (result.status, result.stdout, result.stderr)
}

/// An alert sink that keeps every batch it is sent.
final class RecordingSink: AlertSink {
    private let batches = Mutex<[[Alert]]>([])

    func send(_ alerts: [Alert]) async throws { batches.withLock { $0.append(alerts) } }

    var sent: [[Alert]] { batches.withLock { $0 } }
    var all: [Alert] { sent.flatMap { $0 } }

    func clear() { batches.withLock { $0 = [] } }
}

/// Rule groups from rule-file text; the test fails on any error.
func ruleGroups(_ yaml: String, file: String = "test.rules.yaml") -> [RuleGroupDefinition] {
    let parsed = RuleFileParser.parse(yaml, file: file, options: .init(allowExtensions: true))
    #expect(parsed.errors.isEmpty, "\(parsed.errors)")
    return parsed.groups
}

let second: Int64 = 1000
let minute: Int64 = 60_000

/// A scratch directory removed when the value goes away.
final class ScratchDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "infermon-alerting-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
