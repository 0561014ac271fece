import Detectors
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
        for name in names { current.detectors.drift.overrides[name] = .psi }
        next.detectors.drift.overrides.reserveCapacity(1000)
        for name in names.reversed() { next.detectors.drift.overrides[name] = .psi }
        #expect(ReloadCoordinator.restartOnlyChanges(from: current, to: next) == [])
        next.detectors.drift.overrides["test-0"] = .ks
        #expect(ReloadCoordinator.restartOnlyChanges(from: current, to: next) == ["detectors"])
    }
}
