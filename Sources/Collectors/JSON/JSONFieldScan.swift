/// One pass over a line for a profile's `JSONFieldSet`: where each wanted
/// value lies, and the top-level members as the line's attributes need them.
///
/// The pass descends only into members on a wanted path and skips the rest
/// (checking them as the tree parser would, so a bad line fails with the same
/// message at the same byte); members no field names are written out as
/// compact JSON on the way, since they end up in the attributes whatever the
/// profile reads. Nothing is built for the rest: no tree, no dictionary, no
/// string per member name. As with the tree's lookups, the first of duplicate
/// members is the one read.
struct JSONFieldScan<Field: JSONFields> {
    struct Member {
        /// Position among the field set's top-level names, or -1 for a member no field names.
        var topLevel: Int
        var value: Range<Int>
        /// For a member no field names: its `"name":value` in `written`.
        var text: Range<Int>
    }

    let fields: JSONFieldSet<Field>
    /// Per trie node, the byte range of its value; empty where the line has none.
    private(set) var ranges: [Range<Int>]
    private(set) var members: [Member] = []
    /// `{` and then, comma-separated, the members no field names, as compact JSON:
    /// the attributes whole when the profile reads every member a field names.
    private(set) var written: [UInt8] = [UInt8(ascii: "{")]

    /// Reads `line`, which must be a JSON object; throws `JSONSyntaxError` as `JSONScanner.readValue` would.
    init(_ line: UnsafeBufferPointer<UInt8>, fields: JSONFieldSet<Field>) throws {
        self.fields = fields
        ranges = Array(repeating: 0..<0, count: fields.nodes.count)
        var scanner = JSONScanner(line)
        guard scanner.peek() == UInt8(ascii: "{") else {
            try scanner.skipCheckedValue()
            try scanner.expectEnd()
            throw EventDecodingError("line is not a JSON object")
        }
        members.reserveCapacity(16)
        // Unread members are most of a LiteLLM line: room for them at once, not by doubling.
        written.reserveCapacity(line.count)
        let start = scanner.position
        try scanner.readObject { scanner, key in
            if let child = self.fields.nodes[0].names.value(for: key) {
                _ = scanner.peek()
                let valueStart = scanner.position
                if self.ranges[child].isEmpty {
                    try self.descend(child, &scanner)
                } else {
                    try scanner.skipCheckedValue()
                }
                let topLevel = self.fields.nodes[child].topLevel
                self.members.append(Member(topLevel: topLevel, value: valueStart..<scanner.position, text: 0..<0))
            } else {
                if self.written.count > 1 { self.written.append(UInt8(ascii: ",")) }
                let textStart = self.written.count
                appendJSONString(key, to: &self.written)
                self.written.append(UInt8(ascii: ":"))
                _ = scanner.peek()
                let valueStart = scanner.position
                try scanner.writeCompactValue(to: &self.written)
                self.members.append(
                    Member(topLevel: -1, value: valueStart..<scanner.position, text: textStart..<self.written.count))
            }
        }
        ranges[0] = start..<scanner.position
        try scanner.expectEnd()
    }

    /// Reads the value of trie node `node` at the scanner, descending where a wanted path goes on.
    private mutating func descend(_ node: Int, _ scanner: inout JSONScanner) throws {
        let first = scanner.peek()
        let start = scanner.position
        let entry = fields.nodes[node]
        if first == UInt8(ascii: "{"), entry.names.count > 0 {
            try scanner.readObject { scanner, key in
                if let child = entry.names.value(for: key), self.ranges[child].isEmpty {
                    try self.descend(child, &scanner)
                } else {
                    try scanner.skipCheckedValue()
                }
            }
        } else if first == UInt8(ascii: "["), !entry.indices.isEmpty {
            var index = 0
            try scanner.readArray { scanner in
                if let child = self.fields.child(of: node, index: index), self.ranges[child].isEmpty {
                    try self.descend(child, &scanner)
                } else {
                    try scanner.skipCheckedValue()
                }
                index += 1
            }
        } else {
            try scanner.skipCheckedValue()
        }
        ranges[node] = start..<scanner.position
    }

    /// Hands over `written`, leaving it empty.
    mutating func takeWritten() -> [UInt8] {
        defer { written = [] }
        return written
    }

    /// The byte range of a field's value; nil when the line lacks it.
    @inline(__always)
    func range(of field: Field) -> Range<Int>? {
        let range = ranges[fields.node(of: field)]
        return range.isEmpty ? nil : range
    }
}
