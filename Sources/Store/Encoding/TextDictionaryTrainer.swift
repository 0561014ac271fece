import CZstd

/// Builds a zstd dictionary from samples of one kind of text, and says how well
/// it does on samples it was not built from.
///
/// Two candidates are built and the smaller on the held-out fifth is kept:
/// zstd's trainer (`ZDICT_trainFromBuffer`, which picks the segments seen most
/// often: best for prose whose sentences and system prompts recur), and the
/// latest samples themselves as the dictionary's content with zstd's entropy
/// tables (`ZDICT_finalizeDictionary`: best for JSON of one shape, such as
/// LiteLLM's attributes, where the trainer's segments miss most of a line that
/// is nearly the same every time; on those lines 90 B a line against 250 B).
enum TextDictionaryTrainer {
    /// zstd's advice is about 100 KB; beyond 64 KiB the LiteLLM texts gained
    /// little, and every dictionary is held by every connection that reads it.
    static let capacity = 64 * 1024

    struct Outcome {
        /// The dictionary, its id in its header; nil when `incumbent` did as well.
        var dictionary: [UInt8]?
        /// Stored bytes over text bytes on the held-out samples, of the dictionary kept.
        var ratio: Double
    }

    /// A dictionary with id `id` from `samples` (at least 8), or nil when none
    /// could be built. With an `incumbent` (the dictionary in use), a new one is
    /// returned only when it stores the held-out samples in at most 90 % of the
    /// incumbent's bytes: a dictionary costs its size once, and every reader a
    /// load, so a new one must be worth it.
    static func train(_ samples: [[UInt8]], id: UInt32, incumbent: [UInt8]? = nil) -> Outcome? {
        guard samples.count >= 8 else { return nil }
        let heldOut = Array(samples.suffix(max(2, samples.count / 5)))
        let training = samples.dropLast(heldOut.count)
        let flat = Array(training.joined())
        let sizes = training.map(\.count)
        let capacity = min(Self.capacity, max(1_024, flat.count / 8))
        let raw = heldOut.reduce(0) { $0 + $1.count }
        guard flat.count >= 1_024, raw > 0 else { return nil }

        var candidates: [[UInt8]] = []
        var trained = [UInt8](repeating: 0, count: capacity)
        let trainedSize = ZDICT_trainFromBuffer(&trained, capacity, flat, sizes, UInt32(sizes.count))
        if ZDICT_isError(trainedSize) == 0, trainedSize >= 8 {
            trained.removeSubrange(trainedSize...)
            // The header's id (bytes 4–7, little-endian) is the trainer's pick; frames must name the table's row.
            for index in 0..<4 { trained[4 + index] = UInt8(truncatingIfNeeded: id >> (8 * UInt32(index))) }
            if ZSTD_getDictID_fromDict(trained, trained.count) == id { candidates.append(trained) }
        }
        let content = Array(flat.suffix(capacity))
        var finalized = [UInt8](repeating: 0, count: capacity)
        let parameters = ZDICT_params_t(compressionLevel: TextCompression.level, notificationLevel: 0, dictID: id)
        let finalizedSize = ZDICT_finalizeDictionary(
            &finalized, capacity, content, content.count, flat, sizes, UInt32(sizes.count), parameters)
        if ZDICT_isError(finalizedSize) == 0 {
            finalized.removeSubrange(finalizedSize...)
            candidates.append(finalized)
        }

        let compressor = TextCompression.Compressor()
        let scored = candidates.compactMap { candidate in
            storedSize(heldOut, dictionary: candidate, compressor: compressor).map { (candidate, $0) }
        }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        if let incumbent, let kept = storedSize(heldOut, dictionary: incumbent, compressor: compressor),
            Double(best.1) > 0.9 * Double(kept)
        {
            return Outcome(dictionary: nil, ratio: Double(kept) / Double(raw))
        }
        return Outcome(dictionary: best.0, ratio: Double(best.1) / Double(raw))
    }

    /// The bytes `samples` take stored with `dictionary`; nil when zstd refuses it.
    private static func storedSize(
        _ samples: [[UInt8]], dictionary: [UInt8], compressor: TextCompression.Compressor
    ) -> Int? {
        guard let compiled = ZSTD_createCDict(dictionary, dictionary.count, TextCompression.level) else { return nil }
        defer { ZSTD_freeCDict(compiled) }
        return samples.reduce(0) { total, sample in
            total + sample.withUnsafeBytes { compressor.storedSize($0, dictionary: compiled) }
        }
    }
}
