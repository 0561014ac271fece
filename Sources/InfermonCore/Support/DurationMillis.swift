/// Settings say how long with `Duration`; stored data says when with `Timestamp`
/// (milliseconds since the epoch, as Prometheus keeps them). The two meet here,
/// where an interval is added to or compared with a time.
extension Duration {
    /// Whole milliseconds, rounded toward zero (settings are parsed at millisecond
    /// resolution, so nothing is lost for them).
    @inlinable
    public var millis: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// A Prometheus-style duration such as `1h30m`, as `TimeParsing.formatDuration` writes it.
    public var prometheusText: String { TimeParsing.formatDuration(millis) }
}
