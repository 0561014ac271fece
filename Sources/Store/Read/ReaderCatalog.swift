import InfermonCore
import Synchronization

/// The event keys and named series of one store, as its readers know them:
/// one copy for all of them. Each reader kept its own, so at 20,000 keys every
/// open read connection held the same few MB of keys and labels again.
///
/// A reader reads the rows added since the newest it knows on its own
/// connection and adds them here; it then holds the catalog's dictionaries,
/// which Swift shares until the next addition copies them. Ids only grow and a
/// key's row is never rewritten, so a reader whose transaction is older than
/// the catalog merely knows keys it has no rows for yet, as when rows are late.
final class ReaderCatalog: Sendable {
    typealias KeyEntry = (key: EventKey, firstBucket: Timestamp, labels: Labels)

    struct Snapshot: @unchecked Sendable {
        var keys: [Int64: KeyEntry] = [:]
        var maxKeyID: Int64 = 0
        var namedSeries: [Int64: Labels] = [:]
        var maxSeriesID: Int64 = 0
        /// `keys`' ids in label order, made when first asked for after an addition.
        var labelOrder: [Int64]?
    }

    private let state = Mutex(Snapshot())

    var current: Snapshot { state.withLock { $0 } }

    /// Adds the keys and series newer than those known (each list in id order)
    /// and answers the catalog with them.
    func adding(keys: [(id: Int64, entry: KeyEntry)], series: [(id: Int64, labels: Labels)]) -> Snapshot {
        state.withLock { catalog in
            for (id, entry) in keys where id > catalog.maxKeyID {
                catalog.keys[id] = entry
                catalog.maxKeyID = id
                catalog.labelOrder = nil
            }
            for (id, labels) in series where id > catalog.maxSeriesID {
                catalog.namedSeries[id] = labels
                catalog.maxSeriesID = id
            }
            return catalog
        }
    }

    /// Every key's id, in the order of its labels: `/metrics` walks them on every scrape.
    func keysInLabelOrder() -> [Int64] {
        state.withLock { catalog in
            if let order = catalog.labelOrder { return order }
            let order = catalog.keys.sorted { $0.value.labels < $1.value.labels }.map(\.key)
            catalog.labelOrder = order
            return order
        }
    }
}
