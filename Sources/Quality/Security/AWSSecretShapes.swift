/// AWS secret access keys: 40 characters of `[A-Za-z0-9/+]` with no prefix of
/// their own, so on their own they look like any other token. They count only
/// where they are named: just after an access key id (`AKIA…`/`ASIA…`, as
/// credentials files, env dumps and pasted configs put them) or after the
/// label `aws_secret_access_key` / `secret_access_key` (any case).
enum AWSSecretShapes {
    static let length = 40
    /// How far after an access key id the secret may start.
    static let window = 120

    private static let labels: [[UInt8]] = ["aws_secret_access_key", "secret_access_key", "secretaccesskey"].map {
        Array($0.utf8)
    }

    /// The label at `start` (a word start), and the secret that follows it.
    static func labelled(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> (label: Range<Int>, secret: Range<Int>)? {
        for label in labels where matchesIgnoringCase(b, at: start, label) {
            let end = start + label.count
            guard let secret = secret(b, from: end, within: 12) else { continue }
            return (start..<end, secret)
        }
        return nil
    }

    /// The first 40-character secret-shaped token starting within `within` bytes of `from`.
    static func secret(_ b: UnsafeBufferPointer<UInt8>, from: Int, within: Int = window) -> Range<Int>? {
        var cursor = from
        let limit = min(b.count, from + within)
        while cursor < limit {
            guard isSecretByte(b[cursor]), cursor == 0 || !isSecretByte(b[cursor - 1]) else {
                cursor += 1
                continue
            }
            var end = cursor
            var upper = false
            var lower = false
            var digit = false
            while end < b.count, isSecretByte(b[end]) {
                let byte = b[end]
                if ByteClass.isUpper(byte) { upper = true }
                if ByteClass.isLower(byte) { lower = true }
                if ByteClass.isDigit(byte) { digit = true }
                end += 1
            }
            // Random base64 of 30 bytes: all three classes are there but for 1 in ~10^4 keys.
            if end - cursor == length, upper, lower, digit { return cursor..<end }
            cursor = end
        }
        return nil
    }

    @inline(__always) private static func isSecretByte(_ byte: UInt8) -> Bool {
        ByteClass.isAlnum(byte) || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "+")
    }

    private static func matchesIgnoringCase(_ b: UnsafeBufferPointer<UInt8>, at start: Int, _ literal: [UInt8]) -> Bool
    {
        guard start + literal.count <= b.count else { return false }
        for offset in 0..<literal.count {
            let byte = b[start + offset]
            let lowered = ByteClass.isUpper(byte) ? byte | 0x20 : byte
            if lowered != literal[offset] { return false }
        }
        return true
    }
}
