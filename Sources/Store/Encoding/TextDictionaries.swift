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
/// of the bytes. Old dictionaries stay: frames name them, and they are never
/// deleted (at most 64 KiB each, and a new one needs `window` texts first).
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

    private struct Key: Hashable {
        var source: Int64?
        var kind: TextKind
    }

    private final class Slot {
        var id: Int64 = 0
        var bytes: [UInt8] = []
        var compiled: OpaquePointer?
        var ratio = 1.0
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
    private let compressor = TextCompression.Compressor()
    /// Nil until read from the table, and again after `discard()`.
    private var slots: [Key: Slot]?
    private var heldSamples = 0

    init(
        connection: SQLiteConnection, sampleBytes: Int = sampleBytes, window: Int = window,
        sampleMemory: Int = sampleMemory
    ) {
        self.connection = connection
        sampleTarget = sampleBytes
        windowTexts = window
        sampleBudget = sampleMemory
    }

    func discard() {
        slots = nil
        heldSamples = 0
    }

    /// The frame to store for `text`, or nil when it is better stored as it is.
    func compress(_ text: String, kind: TextKind, source: Int64?) throws -> [UInt8]? {
        var text = text
        return try text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count >= TextCompression.minimumLength else { return nil }
            let bytes = UnsafeRawBufferPointer(utf8)
            let slot = try self.slot(Key(source: source, kind: kind))
            let frame = compressor.compress(bytes, dictionary: slot.compiled)
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
            slot.windowTexts += 1
            slot.windowRaw += text.count
            slot.windowStored += stored
            guard slot.windowTexts >= windowTexts else { return }
            if Double(slot.windowStored) > Double(slot.windowRaw) * (slot.ratio * Self.drift + 0.01) {
                slot.collecting = true
            }
            (slot.windowTexts, slot.windowRaw, slot.windowStored) = (0, 0, 0)
        }
    }

    private func train(_ slot: Slot, key: Key) throws {
        let samples = slot.samples
        heldSamples -= slot.sampledBytes
        (slot.samples, slot.sampledBytes, slot.collecting) = ([], 0, false)
        let id = try connection.scalarInt("SELECT COALESCE(MAX(dict_id), 0) + 1 FROM text_dictionaries")
        guard id < UInt32.max,
            let outcome = TextDictionaryTrainer.train(
                samples, id: UInt32(id), incumbent: slot.compiled == nil ? nil : slot.bytes)
        else { return }
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
        insert.bind(4, Self.nowMilliseconds())
        insert.bind(5, samples.count)
        insert.bind(6, outcome.ratio)
        insert.bind(7, blob: dictionary)
        try insert.run()
        adopt(dictionary, id: id, ratio: outcome.ratio, in: slot)
    }

    private func adopt(_ dictionary: [UInt8], id: Int64, ratio: Double, in slot: Slot) {
        guard let compiled = ZSTD_createCDict(dictionary, dictionary.count, TextCompression.level) else { return }
        ZSTD_freeCDict(slot.compiled)
        (slot.id, slot.bytes, slot.compiled, slot.ratio, slot.collecting) = (id, dictionary, compiled, ratio, false)
    }

    private func slot(_ key: Key) throws -> Slot {
        if let slot = slots?[key] { return slot }
        if slots == nil { try load() }
        if let slot = slots?[key] { return slot }
        let slot = Slot()
        slots?[key] = slot
        return slot
    }

    /// The latest dictionary of each source and kind, so a restarted writer goes on with it.
    private func load() throws {
        var loaded: [Key: Slot] = [:]
        let select = try connection.prepare(
            "SELECT dict_id, source_id, kind, ratio, bytes FROM text_dictionaries ORDER BY dict_id")
        while try select.step() {
            guard let kind = TextKind(rawValue: select.string(2)) else { continue }
            let slot = Slot()
            adopt(select.blob(4), id: select.int64(0), ratio: select.double(3), in: slot)
            loaded[Key(source: select.optionalInt(1).map(Int64.init), kind: kind)] = slot
        }
        slots = loaded
    }

    private static func nowMilliseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000 + Int64(time.tv_nsec) / 1_000_000
    }
}
