import InfermonConfig
import InfermonDaemon
import Testing

/// What a reload refuses: only settings that really changed. Sections are
/// compared by value; equal dictionaries can list their keys in different
/// orders, which once made an unchanged configuration look changed.
@Suite struct ReloadRestartOnlyTests {
    @Test func equalSectionsBuiltInDifferentOrdersAreNoChange() throws {
        var current = Configuration()
        var next = Configuration()
        let names = (0..<40).map { "test-\($0)" }
        for name in names { current.detectors.thresholds[name] = Double(name.count) }
        next.detectors.thresholds.reserveCapacity(1000)
        for name in names.reversed() { next.detectors.thresholds[name] = Double(name.count) }
        #expect(ReloadCoordinator.restartOnlyChanges(from: current, to: next) == [])
        next.detectors.thresholds["test-0"] = 99
        #expect(ReloadCoordinator.restartOnlyChanges(from: current, to: next) == ["detectors"])
    }
}
