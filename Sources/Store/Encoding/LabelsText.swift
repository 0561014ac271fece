public import InfermonCore

/// Labels as stored in the `series` table: Prometheus's text form
/// `{__name__="x", a="1"}`, readable in SQL and parsed back exactly.
package enum LabelsText {
    package static func encode(_ labels: Labels) -> String {
        "{" + labels.pairs.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ") + "}"
    }

    package static func decode(_ text: String) throws -> Labels {
        Labels(try decodePairs(text, what: "labels").map { Label($0.name, $0.value) })
    }

    /// The `name="value"` pairs in file order, empty values included.
    package static func decodePairs(_ text: String, what: String) throws -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        var characters = Array(text.unicodeScalars)[...]
        func fail() -> InfermonError { InfermonError.storage("malformed stored \(what): \(text.prefix(80))") }
        guard characters.popFirst() == "{" else { throw fail() }
        while let next = characters.first, next != "}" {
            if next == "," || next == " " {
                characters.removeFirst()
                continue
            }
            var name = ""
            while let scalar = characters.first, scalar != "=" {
                name.unicodeScalars.append(scalar)
                characters.removeFirst()
            }
            guard characters.popFirst() == "=", characters.popFirst() == "\"" else { throw fail() }
            var value = ""
            while true {
                guard let scalar = characters.popFirst() else { throw fail() }
                if scalar == "\"" { break }
                if scalar == "\\" {
                    guard let escaped = characters.popFirst() else { throw fail() }
                    value.unicodeScalars.append(escaped == "n" ? "\n" : escaped)
                } else {
                    value.unicodeScalars.append(scalar)
                }
            }
            pairs.append((name, value))
        }
        return pairs
    }
}
