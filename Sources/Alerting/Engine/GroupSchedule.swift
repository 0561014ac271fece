import InfermonCore

/// When a group evaluates. Like Prometheus, every group runs at fixed slots
/// `base + k·interval`, offset within the interval by a hash of the group, so
/// groups spread over the interval instead of all querying at once, and a
/// restarted daemon evaluates at the same instants as before.
struct GroupSchedule: Sendable {
    let interval: Int64
    let offset: Int64

    init(groupKey: String, interval: Int64) {
        self.interval = max(interval, 1)
        self.offset = Int64(Labels(["file_name": groupKey]).fingerprint % UInt64(self.interval))
    }

    /// The latest slot at or before `time`.
    func slot(atOrBefore time: Timestamp) -> Timestamp {
        let start = time - offset
        return floorDivide(start, interval) * interval + offset
    }

    /// The first slot to evaluate after starting at `time`: Prometheus waits for the next one.
    func firstSlot(startingAt time: Timestamp) -> Timestamp { slot(atOrBefore: time) + interval }

    /// The slot after one evaluated at `evaluated`, finishing at `now`: late
    /// evaluations catch up on the slot just passed, and skip any before it.
    func nextSlot(after evaluated: Timestamp, now: Timestamp) -> Timestamp {
        let missed = max(0, (now - evaluated) / interval - 1)
        return evaluated + (missed + 1) * interval
    }
}
