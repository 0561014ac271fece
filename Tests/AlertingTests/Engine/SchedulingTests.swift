import Alerting
import InfermonCore
import InfermonTesting
import Logging
import Testing

/// Groups run on their own loop on the injected clock, at slots aligned to
/// their interval and offset by a hash of the group, as Prometheus schedules
/// them: evaluations land on the same instants after a restart, and
/// different groups spread over the interval.
@Suite struct SchedulingTests {
    static let rules = """
        groups:
          - name: fast
            interval: 10s
            rules:
              - record: one
                expr: vector(1)
          - name: other
            interval: 10s
            rules:
              - record: two
                expr: vector(2)
          - name: slow
            interval: 1m
            rules:
              - record: three
                expr: vector(3)
        """

    /// Runs a manager for `seconds` of manual time and returns each group's evaluation times.
    static func evaluations(startingAt start: Timestamp, seconds: Int) async throws -> [String: [Timestamp]] {
        let clock = ManualClock(now: start)
        let storage = MemorySeries()
        var logger = Logger(label: "scheduling-test")
        logger.logLevel = .critical
        let manager = RuleManager(
            groups: ruleGroups(rules), querier: storage, appender: storage, sink: nil, stateStore: nil, clock: clock,
            logger: logger)
        let running = Task { try await manager.run() }
        await clock.waitForSleepers(3)
        var seen: [String: [Timestamp]] = [:]
        for _ in 0..<(seconds * 4) {
            clock.advance(by: 250)
            await clock.waitForSleepers(3)
            for group in await manager.ruleGroups() {
                if let last = group.lastEvaluation, seen[group.name]?.last != last {
                    seen[group.name, default: []].append(last)
                }
            }
        }
        running.cancel()
        _ = try? await running.value
        return seen
    }

    @Test func groupsEvaluateAtAlignedHashedSlots() async throws {
        let start: Timestamp = 1_800_000_012_345
        let seen = try await Self.evaluations(startingAt: start, seconds: 125)
        let fast = try #require(seen["fast"])
        let other = try #require(seen["other"])
        let slow = try #require(seen["slow"])
        // Every slot, exactly one interval apart, none before the first slot after the start.
        for (times, interval) in [(fast, Int64(10_000)), (other, 10_000), (slow, 60_000)] {
            #expect(times.first! > start && times.first! <= start + interval)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == interval }, "\(times)")
        }
        #expect(fast.count >= 12 && slow.count == 2)
        // The offset within the interval depends on the group, not on when the process started.
        #expect(fast[0] % 10_000 != other[0] % 10_000)
        let later = try await Self.evaluations(startingAt: start + 3_333_333, seconds: 25)
        #expect(later["fast"]!.allSatisfy { $0 % 10_000 == fast[0] % 10_000 })
        #expect(later["other"]!.allSatisfy { $0 % 10_000 == other[0] % 10_000 })
    }
}
