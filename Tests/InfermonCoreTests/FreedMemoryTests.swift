import Foundation
import InfermonCore
import Testing

/// Memory freed between long-lived allocations goes back to the system: without
/// the trim, glibc keeps it and the daemon's resident size only grows.
@Suite("Freed memory")
struct FreedMemoryTests {
    @Test func freePagesBetweenLiveAllocationsAreReturned() {
        // 64 MB in 16 KB blocks, every 64th kept: the freed ones lie between kept ones,
        // where free() alone never gives pages back.
        var blocks = (0..<4096).map { _ in [UInt8](repeating: 1, count: 16_384) }
        var kept: [[UInt8]] = []
        for (index, block) in blocks.enumerated() where index % 64 == 0 { kept.append(block) }
        blocks.removeAll()
        #if canImport(Glibc)
            #expect(FreedMemory.returnToSystem())
        #else
            #expect(!FreedMemory.returnToSystem())
        #endif
        #expect(kept.count == 64 && kept.allSatisfy { $0.count == 16_384 && $0[0] == 1 })
    }
}

/// The daemon's malloc settings are made unless the environment already makes them.
@Suite("Malloc tuning")
struct MallocTuningTests {
    final class Calls: @unchecked Sendable {
        let lock = NSLock()
        var made: [[Int32]] = []
    }

    @Test func settingsAreMadeUnlessTheEnvironmentHasThem() {
        let calls = Calls()
        let record: @Sendable (Int32, Int32) -> Int32 = { option, value in
            calls.lock.withLock { calls.made.append([option, value]) }
            return 1
        }
        #if canImport(Glibc)
            #expect(
                FreedMemory.tuneForDaemon(environment: [:], set: record) == ["arena_max=2", "mmap_threshold=262144"])
            // M_ARENA_MAX is -8 and M_MMAP_THRESHOLD -3 in glibc's malloc.h.
            #expect(calls.made == [[-8, 2], [-3, 262_144]])
            #expect(
                FreedMemory.tuneForDaemon(environment: ["MALLOC_ARENA_MAX": "4"], set: record) == [
                    "mmap_threshold=262144"
                ])
            let both = ["MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": "1"]
            #expect(FreedMemory.tuneForDaemon(environment: both, set: record).isEmpty)
            #expect(calls.made.count == 3)
        #else
            #expect(FreedMemory.tuneForDaemon(environment: [:], set: record).isEmpty)
        #endif
    }
}
