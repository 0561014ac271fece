/// Prometheus's rules for metric and label names, in one place: the rule files,
/// the scrape parser, PromQL's label functions and the configuration all check
/// names, and a name one of them accepts must not be refused by another.
public enum PrometheusNames {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isMetricName(_ name: some StringProtocol) -> Bool {
        isName(name.utf8, colon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    public static func isLabelName(_ name: some StringProtocol) -> Bool {
        isName(name.utf8, colon: false)
    }

    /// A label name that users may set: names starting with `__` are reserved for
    /// the system (`__name__`, relabelling's temporaries).
    public static func isUserLabelName(_ name: some StringProtocol) -> Bool {
        isLabelName(name) && !name.hasPrefix("__")
    }

    private static func isName(_ bytes: some Collection<UInt8>, colon: Bool) -> Bool {
        guard !bytes.isEmpty else { return false }
        var first = true
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): break
            case UInt8(ascii: ":") where colon: break
            case UInt8(ascii: "0")...UInt8(ascii: "9") where !first: break
            default: return false
            }
            first = false
        }
        return true
    }
}
