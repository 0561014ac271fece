package import Detectors
package import InfermonCore
package import Store

/// The configured drift reference (`detectors.reference`) for a current window
/// that starts at `start`, read from the store: the previous period just before
/// it (`previousLength`, or the configured length), a fixed window, or a saved
/// baseline. `infermon drift report` and the reports' drift section resolve it here.
package enum DriftReference {
    package static func configured(
        store: any EventWindowReader & DriftBaselineStore, reference: DetectorOptions.Reference,
        window: EventWindowQuery, start: Timestamp,
        previousLength: Int64? = nil
    ) throws -> (columns: [EventColumns], description: String) {
        func read(_ from: Timestamp, _ through: Timestamp) throws -> [EventColumns] {
            var query = window
            query.from = from
            query.through = through
            return try store.eventColumns(query)
        }
        switch reference {
        case .previousPeriod(let configured):
            let length = previousLength ?? configured.millis
            return (try read(start - length, start - 1), "the \(TimeParsing.formatDuration(length)) before")
        case .fixed(let from, let through):
            return (
                try read(from, through),
                "the fixed reference \(TimeParsing.formatRFC3339(from)) – \(TimeParsing.formatRFC3339(through))"
            )
        case .baseline(let name):
            return (
                try baseline(name, store: store, model: window.model, hint: "configured reference"),
                "the baseline \"\(name)\""
            )
        }
    }

    /// A saved baseline's columns (of `model` only, when given).
    package static func baseline(
        _ name: String, store: any DriftBaselineStore, model: String?, hint: String
    ) throws
        -> [EventColumns]
    {
        guard let saved = try store.baseline(named: name) else {
            throw InfermonError.invalidArgument("no baseline named \"\(name)\" (\(hint))")
        }
        return saved.columns.filter { model == nil || $0.model == model }
    }
}
