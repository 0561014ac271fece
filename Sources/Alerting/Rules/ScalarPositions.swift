import InfermonCore
import InfermonYAML

/// Maps a position inside a YAML scalar's value back to the file, so that an
/// error in an `expr` points at the faulty token, not at the key. Plain and
/// quoted one-line scalars map column for column; literal blocks (`|`) map
/// line for line with their indentation; other shapes fall back to the start
/// of the value.
struct ScalarPositions {
    let sourceLines: [Substring]

    init(source: String) {
        // Lines as libyaml counts them, which its marks are in: `\r\n` (one
        // Character to Swift, not "\n"), a lone `\r`, NEL, LS and PS end lines too.
        sourceLines = source.split(omittingEmptySubsequences: false) {
            $0 == "\n" || $0 == "\r\n" || $0 == "\r" || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}"
        }
    }

    /// The file position of `line:column` (1-based, in characters) inside the value of `value`.
    func location(line: Int, column: Int, in value: YAMLValue) -> SourceLocation {
        let start = value.location
        guard let style = value.scalarStyle else { return start }
        switch style {
        case .plain, .singleQuoted, .doubleQuoted:
            guard line == 1 else { return start }
            let shift = style == .plain ? 0 : 1
            return SourceLocation(file: start.file, line: start.line, column: start.column + shift + column - 1)
        case .literal:
            // Content starts on the line after the indicator; its indentation is that of the first non-blank line.
            let firstContent = start.line + 1
            var indentation = 0
            for index in min(firstContent - 1, sourceLines.count)..<sourceLines.count {
                let text = sourceLines[index]
                if text.allSatisfy({ $0 == " " }) { continue }
                indentation = text.prefix { $0 == " " }.count
                break
            }
            return SourceLocation(file: start.file, line: firstContent + line - 1, column: indentation + column)
        case .folded:
            return start
        }
    }

    /// Moves an `L:C: message` error from PromQL's parser into the file.
    func relocate(_ error: InfermonError, in value: YAMLValue) -> (SourceLocation, String) {
        let message = error.message
        let parts = message.split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[0]), let column = Int(parts[1]) {
            return (location(line: line, column: column, in: value), String(parts[2].dropFirst()))
        }
        return (value.location, message)
    }

    /// The file position of a byte offset in a one-line value (for template errors).
    func location(byteOffset: Int, in text: String, value: YAMLValue) -> SourceLocation {
        let prefix = text.utf8.prefix(byteOffset)
        let line = 1 + prefix.filter { $0 == 0x0A }.count
        let lastLine = String(
            decoding: prefix.split(separator: 0x0A, omittingEmptySubsequences: false).last ?? [], as: UTF8.self)
        return location(line: line, column: lastLine.count + 1, in: value)
    }
}
