/// How far content was read, remembered by the fingerprint of its first bytes
/// rather than by inode, so a copy of it can be recognised.
///
/// copytruncate copies a followed file to a new inode (`app.jsonl.1`) and
/// empties the original. The copy holds lines already read; it must be read on
/// from where the original was, not from its start. The original may have been
/// truncated before the copy is seen (both can happen between two polls), and a
/// restart may sit between the two, so the progress is kept for every content
/// this source committed, not only for the files followed right now, and the
/// furthest progress wins: a checkpoint loaded at startup is older than what was
/// committed since.
struct ReadContents {
    struct Progress: Equatable {
        var path: String
        var offset: Int64
        var line: Int64
    }

    private struct Key: Hashable {
        var hash: UInt64
        var length: Int
    }

    private var progress: [Key: Progress] = [:]
    /// Keys in the order first seen, to forget the oldest beyond `capacity`.
    private var order: [Key] = []
    /// Contents remembered at most: each rotation adds one or two.
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    var count: Int { progress.count }

    /// Notes that the content whose first `length` bytes hash to `hash` was read
    /// up to `offset`. An empty prefix proves nothing and is not kept.
    mutating func record(hash: UInt64, length: Int, path: String, offset: Int64, line: Int64) {
        guard length > 0, offset > 0 else { return }
        let key = Key(hash: hash, length: length)
        if let known = progress[key] {
            if offset > known.offset { progress[key] = Progress(path: path, offset: offset, line: line) }
            return
        }
        progress[key] = Progress(path: path, offset: offset, line: line)
        order.append(key)
        if order.count > capacity {
            let dropped = order.count - capacity
            for old in order.prefix(dropped) { progress[old] = nil }
            order.removeFirst(dropped)
        }
    }

    /// How far the content whose first `length` bytes hash to `hash` was read.
    func progress(hash: UInt64, length: Int) -> Progress? {
        length > 0 ? progress[Key(hash: hash, length: length)] : nil
    }

    /// The furthest progress of any remembered content the bytes behind
    /// `prefix` start with. `prefix(length)` gives the fingerprint of the
    /// candidate's first `length` bytes, or nil when it has fewer.
    func furthest(matching prefix: (Int) -> UInt64?) -> Progress? {
        var fingerprints: [Int: UInt64?] = [:]
        var best: Progress?
        for (key, known) in progress {
            if fingerprints[key.length] == nil { fingerprints[key.length] = .some(prefix(key.length)) }
            guard let hash = fingerprints[key.length] ?? nil, hash == key.hash else { continue }
            if known.offset > best?.offset ?? 0 { best = known }
        }
        return best
    }
}
