import CZstd

#if canImport(Glibc)
    import Glibc
#endif

/// Which column a stored text is: each kind of each source gets its own dictionary.
enum TextKind: String, CaseIterable {
    case prompt, response, context, attributes
}

/// The writer's side of text dictionaries: per source and kind of text, the
/// first texts are kept as samples (and stored with plain zstd) until there are
/// `sampleBytes` of them, a dictionary is trained (`TextDictionaryTrainer`) and
/// stored in `text_dictionaries` in the same transaction as the first text
/// compressed with it, and later texts are compressed with it.
///
/// Every `window` texts the ratio achieved is compared with the one measured at
/// training; when it is more than half as large again, samples are taken anew
/// and a new dictionary replaces the old one if it stores them in at most 90 %
/// of the bytes.
///
/// A dictionary is made of pieces of the texts it was trained on, so it must
/// not keep them past the event retention: one older than `maximumAge` is
/// replaced by one trained on new samples, and a replaced one is deleted once
/// no event that may name it is left (`retired_after`: the last event id that
/// used it; retention deletes events, the writer then the dictionaries).
///
/// Lives on the writer's queue with `EventRowWriter`. After a failed
/// transaction `discard()` forgets everything and the state is reloaded from
/// the table, so a dictionary rolled back is never named by a frame.
final class TextDictionaries {
    /// Samples to train on: about 1 MiB (zstd wants some hundred times the
    /// dictionary), or `maximumSamples` texts when they are short.
    static let sampleBytes = 1 << 20
    static let maximumSamples = 2_000
    /// Of a long text only its start is a sample: the trainer wants many samples, not one large one.
    static let sampleLimit = 64 * 1024
    /// Samples held at once, all sources and kinds together: many quiet sources
    /// must not each hold a megabyte per kind. At the limit a kind trains on what
    /// it has, or keeps no more samples if that is too little.
    static let sampleMemory = 6 << 20
    static let window = 1_000
    static let drift = 1.5
    static let maximumAge: Int64 = 86_400_000

    private struct Key: Hashable {
        var source: Int64?
        var kind: TextKind
    }

    private final class Slot {
        var id: Int64 = 0
        var bytes: [UInt8] = []
        var compiled: OpaquePointer?
        var ratio = 1.0
        var createdAt: Int64 = 0
        /// The last event whose text this dictionary compressed: frames name it up to there.
        var lastEventID: Int64 = 0
        /// Sampling to replace a dictionary grown too old, whether or not the new one does better.
        var rotating = false
        var samples: [[UInt8]] = []
        var sampledBytes = 0
        var collecting = true
        var windowTexts = 0
        var windowRaw = 0
        var windowStored = 0

        deinit { ZSTD_freeCDict(compiled) }
    }

    private let connection: SQLiteConnection
    private let sampleTarget: Int
    private let windowTexts: Int
    private let sampleBudget: Int
    private let maximumAge: Int64
    private let now: () -> Int64
    private let compressor = TextCompression.Compressor()
    /// Nil until read from the table, and again after `discard()`.
    private var slots: [Key: Slot]?
    private var heldSamples = 0

    init(
        connection: SQLiteConnection, sampleBytes: Int = sampleBytes, window: Int = window,
        sampleMemory: Int = sampleMemory, maximumAge: Int64 = maximumAge,
        now: @escaping () -> Int64 = TextDictionaries.wallClock
    ) {
        self.connection = connection
        sampleTarget = sampleBytes
        windowTexts = window
        sampleBudget = sampleMemory
        self.maximumAge = maximumAge
        self.now = now
    }

    func discard() {
        slots = nil
        heldSamples = 0
    }

    /// The frame to store for `text` of event `eventID`, or nil when it is better stored as it is.
    func compress(_ text: String, kind: TextKind, source: Int64?, eventID: Int64) throws -> [UInt8]? {
        var text = text
        return try text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count >= TextCompression.minimumLength else { return nil }
            let bytes = UnsafeRawBufferPointer(utf8)
            let slot = try self.slot(Key(source: source, kind: kind))
            let frame = compressor.compress(bytes, dictionary: slot.compiled)
            if slot.compiled != nil { slot.lastEventID = max(slot.lastEventID, eventID) }
            try observe(bytes, stored: frame?.count ?? bytes.count, in: slot, key: Key(source: source, kind: kind))
            return frame
        }
    }

    private func observe(_ text: UnsafeRawBufferPointer, stored: Int, in slot: Slot, key: Key) throws {
        if slot.collecting {
            let sample = Array(text.prefix(Self.sampleLimit))
            if heldSamples + sample.count > sampleBudget {
                guard slot.samples.count >= 8, slot.sampledBytes >= 16 * 1024 else { return }
                return try train(slot, key: key)
            }
            slot.samples.append(sample)
            slot.sampledBytes += sample.count
            heldSamples += sample.count
            if slot.sampledBytes >= sampleTarget || slot.samples.count >= Self.maximumSamples {
                try train(slot, key: key)
            }
        } else if slot.compiled != nil {
            if now() - slot.createdAt > maximumAge { (slot.collecting, slot.rotating) = (true, true) }
            slot.windowTexts += 1
            slot.windowRaw += text.count
            slot.windowStored += stored
            guard slot.windowTexts >= windowTexts else { return }
            if Double(slot.windowStored) > Double(slot.windowRaw) * (slot.ratio * Self.drift + 0.01) {
                slot.collecting = true
            }
            (slot.windowTexts, slot.windowRaw, slot.windowStored) = (0, 0, 0)
            try deleteUnnamed()
        }
    }

    private func train(_ slot: Slot, key: Key) throws {
        let samples = slot.samples
        heldSamples -= slot.sampledBytes
        (slot.samples, slot.sampledBytes, slot.collecting) = ([], 0, false)
        let id = try connection.scalarInt("SELECT COALESCE(MAX(dict_id), 0) + 1 FROM text_dictionaries")
        guard id < UInt32.max,
            let outcome = TextDictionaryTrainer.train(
                samples, id: UInt32(id), incumbent: slot.compiled == nil || slot.rotating ? nil : slot.bytes)
        else { return }
        slot.rotating = false
        guard let dictionary = outcome.dictionary else {
            // The one in use did as well: it stays, judged from now on by what it does now.
            slot.ratio = outcome.ratio
            let update = try connection.cached("UPDATE text_dictionaries SET ratio = ? WHERE dict_id = ?")
            update.bind(1, outcome.ratio)
            update.bind(2, slot.id)
            try update.run()
            return
        }
        let insert = try connection.cached(
            """
            INSERT INTO text_dictionaries (dict_id, source_id, kind, created_at, samples, ratio, bytes)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(1, id)
        insert.bind(2, key.source)
        insert.bind(3, key.kind.rawValue)
        insert.bind(4, now())
        insert.bind(5, samples.count)
        insert.bind(6, outcome.ratio)
        insert.bind(7, blob: dictionary)
        try insert.run()
        if slot.compiled != nil { try retire(slot) }
        adopt(dictionary, id: id, ratio: outcome.ratio, createdAt: now(), in: slot)
        try deleteUnnamed()
    }

    /// Deletes the replaced dictionaries no stored event can name any more. Event
    /// ids only grow while events are kept (retention deletes the oldest times,
    /// which a late event may not be, hence the smallest id kept, not the time).
    /// A dictionary whose kind has had no text for a day past its age is retired
    /// here too (a busy one is replaced as its texts come): the source may have
    /// stopped, and its texts must still go with their events.
    private func deleteUnnamed() throws {
        for slot in (slots ?? [:]).values where slot.compiled != nil && now() - slot.createdAt > 2 * maximumAge {
            try retire(slot)
            ZSTD_freeCDict(slot.compiled)
            (slot.compiled, slot.bytes, slot.collecting, slot.rotating) = (nil, [], true, false)
        }
        try connection.cached(
            """
            DELETE FROM text_dictionaries
            WHERE retired_after < COALESCE((SELECT MIN(id) FROM events), 9223372036854775807)
            """
        ).run()
    }

    private func retire(_ slot: Slot) throws {
        let retire = try connection.cached("UPDATE text_dictionaries SET retired_after = ? WHERE dict_id = ?")
        retire.bind(1, slot.lastEventID)
        retire.bind(2, slot.id)
        try retire.run()
    }

    private func adopt(_ dictionary: [UInt8], id: Int64, ratio: Double, createdAt: Int64, in slot: Slot) {
        guard let compiled = ZSTD_createCDict(dictionary, dictionary.count, TextCompression.level) else { return }
        ZSTD_freeCDict(slot.compiled)
        (slot.id, slot.bytes, slot.compiled, slot.ratio, slot.collecting) = (id, dictionary, compiled, ratio, false)
        (slot.createdAt, slot.lastEventID) = (createdAt, 0)
    }

    private func slot(_ key: Key) throws -> Slot {
        if let slot = slots?[key] { return slot }
        if slots == nil { try load() }
        if let slot = slots?[key] { return slot }
        let slot = Slot()
        slots?[key] = slot
        return slot
    }

    /// The dictionary in use of each source and kind, so a restarted writer goes on
    /// with it; any stored event may have used it.
    private func load() throws {
        var loaded: [Key: Slot] = [:]
        let lastEventID = try connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM events")
        let select = try connection.prepare(
            """
            SELECT dict_id, source_id, kind, ratio, created_at, bytes FROM text_dictionaries
            WHERE retired_after IS NULL ORDER BY dict_id
            """)
        while try select.step() {
            guard let kind = TextKind(rawValue: select.string(2)) else { continue }
            let slot = Slot()
            adopt(select.blob(5), id: select.int64(0), ratio: select.double(3), createdAt: select.int64(4), in: slot)
            slot.lastEventID = lastEventID
            loaded[Key(source: select.optionalInt(1).map(Int64.init), kind: kind)] = slot
        }
        slots = loaded
    }

    static func wallClock() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }
}
