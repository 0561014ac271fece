import InfermonCore

/// The key slots of recently written events, found without building an
/// `EventKey` or hashing it with SipHash.
///
/// Every event needs its key's row id. The dictionary that holds them all hashes
/// five fields with a keyed, attack-resistant hash on every lookup; this
/// direct-mapped table in front of it uses a cheap hash of the label bytes and
/// confirms a hit by comparing the fields, which for the shared strings of
/// repeated labels is an identity check. A miss (or a crafted collision) only
/// falls through to the dictionary, so nothing here can be forced to slow down.
///
/// Raw buffers, not arrays: an array in a class pays an exclusivity and a
/// uniqueness check per access, which is what this table exists to avoid.
final class RecentKeys {
    /// Slots at first, and at most: the table grows to `slotsPerKey` slots per
    /// known key (a direct-mapped table as full as the keys it serves misses on
    /// most events), up to a bound that keeps it a few megabytes.
    static let initialSize = 1024
    static let maximumSize = 1 << 15
    static let slotsPerKey = 4
    private(set) var size: Int
    /// Compared in place (a copy would retain four strings); an empty entry has no slot.
    private var keys: UnsafeMutableBufferPointer<EventKey>
    private var slots: UnsafeMutableBufferPointer<KeySlot?>
    private static let empty = EventKey(model: "", modelVersion: "", route: "", tenant: "", status: .ok)

    init(size: Int = RecentKeys.initialSize) {
        self.size = size
        keys = .allocate(capacity: size)
        slots = .allocate(capacity: size)
        keys.initialize(repeating: Self.empty)
        slots.initialize(repeating: nil)
    }

    deinit {
        keys.deinitialize().deallocate()
        slots.deinitialize().deallocate()
    }

    /// Makes room for `count` keys: a larger, empty table, refilled as events arrive.
    func reserve(keys count: Int) {
        var wanted = size
        while wanted < count * Self.slotsPerKey && wanted < Self.maximumSize { wanted *= 2 }
        guard wanted > size else { return }
        keys.deinitialize().deallocate()
        slots.deinitialize().deallocate()
        size = wanted
        keys = .allocate(capacity: wanted)
        slots = .allocate(capacity: wanted)
        keys.initialize(repeating: Self.empty)
        slots.initialize(repeating: nil)
    }

    /// The slot remembered for the event's key, or nil.
    @inline(__always)
    func slot(for event: UnsafePointer<InferenceEvent>) -> KeySlot? {
        let index = slotIndex(event)
        let keys = self.keys
        guard keys[index].status == event.pointee.status, keys[index].model == event.pointee.model,
            keys[index].route == event.pointee.route, keys[index].tenant == event.pointee.tenant,
            keys[index].modelVersion == event.pointee.modelVersion
        else { return nil }
        return slots[index]
    }

    func remember(_ slot: KeySlot, for key: EventKey, of event: UnsafePointer<InferenceEvent>) {
        let index = slotIndex(event)
        keys[index] = key
        slots[index] = slot
    }

    func removeAll() {
        keys.update(repeating: Self.empty)
        slots.update(repeating: nil)
    }

    @inline(__always)
    private func slotIndex(_ event: UnsafePointer<InferenceEvent>) -> Int {
        var hash = UInt64(truncatingIfNeeded: event.pointee.status.hashSeed)
        hash = FastHash.mix(hash, bytesHash(event.pointee.model))
        hash = FastHash.mix(hash, bytesHash(event.pointee.modelVersion))
        hash = FastHash.mix(hash, bytesHash(event.pointee.route))
        hash = FastHash.mix(hash, bytesHash(event.pointee.tenant))
        return Int(truncatingIfNeeded: hash >> 49) & (size - 1)
    }

    @inline(__always)
    private func bytesHash(_ text: String) -> UInt64 {
        text.utf8.withContiguousStorageIfAvailable(FastHash.bytes) ?? UInt64(truncatingIfNeeded: text.hashValue)
    }
}

extension EventStatus {
    fileprivate var hashSeed: Int {
        switch self {
        case .ok: 1
        case .error: 2
        case .timeout: 3
        case .canceled: 4
        }
    }
}
