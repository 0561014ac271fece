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
    private static let size = 1024
    /// Compared in place (a copy would retain four strings); an empty entry has no slot.
    private let keys = UnsafeMutableBufferPointer<EventKey>.allocate(capacity: size)
    private let slots = UnsafeMutableBufferPointer<KeySlot?>.allocate(capacity: size)
    private static let empty = EventKey(model: "", modelVersion: "", route: "", tenant: "", status: .ok)

    init() {
        keys.initialize(repeating: Self.empty)
        slots.initialize(repeating: nil)
    }

    deinit {
        keys.deinitialize().deallocate()
        slots.deinitialize().deallocate()
    }

    /// The slot remembered for the event's key, or nil.
    @inline(__always)
    func slot(for event: UnsafePointer<InferenceEvent>) -> KeySlot? {
        let index = Self.index(event)
        guard keys[index].status == event.pointee.status, keys[index].model == event.pointee.model,
            keys[index].route == event.pointee.route, keys[index].tenant == event.pointee.tenant,
            keys[index].modelVersion == event.pointee.modelVersion
        else { return nil }
        return slots[index]
    }

    func remember(_ slot: KeySlot, for key: EventKey, of event: UnsafePointer<InferenceEvent>) {
        let index = Self.index(event)
        keys[index] = key
        slots[index] = slot
    }

    func removeAll() {
        keys.update(repeating: Self.empty)
        slots.update(repeating: nil)
    }

    @inline(__always)
    private static func index(_ event: UnsafePointer<InferenceEvent>) -> Int {
        var hash = UInt64(truncatingIfNeeded: event.pointee.status.hashSeed)
        hash = FastHash.mix(hash, bytesHash(event.pointee.model))
        hash = FastHash.mix(hash, bytesHash(event.pointee.modelVersion))
        hash = FastHash.mix(hash, bytesHash(event.pointee.route))
        hash = FastHash.mix(hash, bytesHash(event.pointee.tenant))
        return Int(truncatingIfNeeded: hash >> 54) & (size - 1)
    }

    @inline(__always)
    private static func bytesHash(_ text: String) -> UInt64 {
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
