/// Which event times are accepted, like Prometheus's out-of-bounds rule: an event
/// stamped further ahead of the receiving clock than a tolerance, or before the
/// epoch, is no time at all but a broken clock or a hostile number. Such lines
/// become dead letters (`timestamp_out_of_range`) instead of opening a rollup
/// interval in the year 2200 that every later event would be counted into.
/// Late events are accepted: the event retention decides what of them is kept.
public struct TimestampPolicy: Sendable, Equatable {
    /// How far ahead of the receiving clock an event may be stamped, in milliseconds.
    public var futureTolerance: Duration

    /// Five minutes: wider than any sane clock skew between a gateway and infermon,
    /// narrower than a rollup row anyone would notice being ahead.
    public static let defaultFutureTolerance = Duration.seconds(5 * 60)

    public init(futureTolerance: Duration = defaultFutureTolerance) {
        self.futureTolerance = futureTolerance
    }

    /// Nil when `timestamp` is accepted at `now`, else why not.
    @inline(__always)
    public func violation(_ timestamp: Timestamp, now: Timestamp) -> String? {
        if timestamp < 0 {
            return "timestamp \(TimeParsing.formatRFC3339(timestamp)) is before 1970-01-01"
        }
        if timestamp > now &+ futureTolerance.millis {
            return "timestamp \(TimeParsing.formatRFC3339(timestamp)) is more than "
                + "\(futureTolerance.prometheusText) ahead of this host's clock "
                + "(\(TimeParsing.formatRFC3339(now)))"
        }
        return nil
    }
}
