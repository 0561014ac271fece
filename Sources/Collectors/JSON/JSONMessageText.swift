/// The text of chat messages read from a value's bytes, by the rule of
/// `DocumentReader.messageText`: a string is a part, an array's items are read
/// in turn, an object is read through its first `content` member, else its
/// `text`, else its `parts` (present counts, even as null); anything else adds
/// nothing. Non-empty parts are joined with newlines.
///
/// Prompt and response bodies are most of a line, so they are read once, from
/// bytes a full pass has already checked, into one buffer.
enum JSONMessageText {
    /// `size` is the value's length in the line, which its text never exceeds.
    static func text(_ line: UnsafeBufferPointer<UInt8>, at position: Int, size: Int) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(size)
        var scanner = JSONScanner(line, at: position)
        // The line passed a full check, so reading it again cannot fail.
        try? collect(&scanner, into: &out)
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// Reads one value at the scanner, appending its parts.
    private static func collect(_ scanner: inout JSONScanner, into out: inout [UInt8]) throws {
        switch scanner.peek() {
        case UInt8(ascii: "\""):
            let raw = try scanner.readRawStringContent()
            guard !raw.range.isEmpty else { return }
            if !out.isEmpty { out.append(UInt8(ascii: "\n")) }
            if raw.hasEscapes {
                // An escape never decodes to nothing (`\u0000` is refused), so the part is not empty.
                try scanner.appendDecoded(raw.range, to: &out)
            } else {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: scanner.bytes[raw.range]))
            }
        case UInt8(ascii: "["):
            try scanner.readArray { scanner in try collect(&scanner, into: &out) }
        case UInt8(ascii: "{"):
            // `content` wins wherever it is, so it is read in place; `text` and
            // `parts` only count once the object has shown it has no `content`.
            var content = false
            var text = -1
            var parts = -1
            try scanner.readObject { scanner, key in
                if !content, key.equals("content") {
                    content = true
                    try collect(&scanner, into: &out)
                    return
                }
                _ = scanner.peek()
                if text < 0, key.equals("text") {
                    text = scanner.position
                } else if parts < 0, key.equals("parts") {
                    parts = scanner.position
                }
                try scanner.skipValue()
            }
            let chosen = text >= 0 ? text : parts
            if !content, chosen >= 0 {
                var again = JSONScanner(scanner.bytes, at: chosen)
                try collect(&again, into: &out)
            }
        default:
            try scanner.skipValue()
        }
    }
}
