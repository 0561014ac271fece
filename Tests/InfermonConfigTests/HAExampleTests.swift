import Alerting
import Foundation
import InfermonConfig
import InfermonCore
import Notify
import Testing

/// `deploy/ha/` is what an operator copies for a highly available pair: one
/// infermon file for both hosts (the replica from INFERMON_REPLICA) and the
/// Alertmanager cluster's file. Both must load as shipped.
@Suite("HA example configuration")
struct HAExampleTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/ha").path

    static func load(replica: String?) throws -> Configuration {
        try YAMLValue.$environment.withValue(replica.map { ["INFERMON_REPLICA": $0] } ?? [:]) {
            try ConfigurationLoader.load(path: directory + "/infermon.yaml")
        }
    }

    @Test func bothHostsLoadTheSameFileAndSendIdenticalAlerts() throws {
        let a = try Self.load(replica: "a")
        let b = try Self.load(replica: "b")
        #expect(a.global.externalLabels["replica"] == "a")
        #expect(b.global.externalLabels["replica"] == "b")
        #expect(a.ruleEvaluation.externalLabels == b.ruleEvaluation.externalLabels)
        #expect(a.ruleEvaluation.externalLabels["replica"] == nil)
        #expect(a.ruleEvaluation.externalLabels["cluster"] != nil)
        // Every node of the Alertmanager cluster is told.
        let receivers = try #require(try a.notifications.resolve(environment: [:])).receivers
        let alertmanagers = receivers.flatMap(\.integrations).filter { $0.kind == .alertmanager }
        #expect(alertmanagers.count == 2)
    }

    @Test func aHostWithoutItsReplicaRefusesToStart() throws {
        #expect(throws: InfermonError.self) { try Self.load(replica: nil) }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool"), "amtool is not installed"))
    func theAlertmanagerFilePassesAmtool() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/amtool")
        process.arguments = ["check-config", Self.directory + "/alertmanager.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
