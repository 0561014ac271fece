/// The members a profile of a nested format reads, each named by a dotted path
/// (`response.usage.prompt_tokens`, array steps by index: `choices.0`). An enum
/// with `Int` raw values from 0 in declaration order, so a field is an index.
protocol JSONFields: CaseIterable, RawRepresentable, Sendable where RawValue == Int {
    var path: String { get }
}

/// A profile's dotted paths compiled once into a trie of member names.
///
/// A line is then read in one pass that descends only into the members on a
/// wanted path (`JSONFieldScan`), instead of building the whole tree and
/// splitting and hashing each path on every lookup, which was two thirds of
/// decoding an OpenAI gateway line.
struct JSONFieldSet<Field: JSONFields>: Sendable {
    struct Node: Sendable {
        /// Children by member name, and those whose name is a whole number by array index.
        var names: KeyTable<Int>
        var indices: [(index: Int, node: Int)]
        /// Position among the root's children (top-level members), or -1.
        var topLevel: Int
        var hasChildren: Bool { !indices.isEmpty || names.count > 0 }
    }

    private(set) var nodes: [Node] = []
    /// The node of each field, by raw value.
    private(set) var fieldNodes: [Int] = []
    /// The top-level member names, by `Node.topLevel`.
    private(set) var topLevelNames: [[UInt8]] = []

    init() {
        // Build the trie as name lists first, then freeze each node's lookup table.
        var children: [[([UInt8], Int)]] = [[]]
        for (position, field) in Field.allCases.enumerated() {
            precondition(field.rawValue == position, "JSONFields raw values must count from 0 in order")
            var node = 0
            for step in field.path.utf8.split(separator: UInt8(ascii: ".")) {
                let name = Array(step)
                if let existing = children[node].first(where: { $0.0 == name }) {
                    node = existing.1
                } else {
                    children.append([])
                    children[node].append((name, children.count - 1))
                    node = children.count - 1
                }
            }
            fieldNodes.append(node)
        }
        topLevelNames = children[0].map(\.0)
        precondition(topLevelNames.count <= 64, "a field set reads at most 64 top-level members")
        for list in children {
            let indices = list.compactMap { name, child in
                // The rule of the tree-based reader: a step is an array index when `Int` reads it.
                Int(String(decoding: name, as: UTF8.self)).map { (index: $0, node: child) }
            }
            nodes.append(Node(names: KeyTable(names: list), indices: indices, topLevel: -1))
        }
        for (position, entry) in children[0].enumerated() { nodes[entry.1].topLevel = position }
    }

    @inline(__always)
    func node(of field: Field) -> Int { fieldNodes[field.rawValue] }

    @inline(__always)
    func child(of node: Int, index: Int) -> Int? {
        for entry in nodes[node].indices where entry.index == index { return entry.node }
        return nil
    }
}
