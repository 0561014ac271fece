import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole UTF-8 text file with the C library (no Foundation needed).
public func readTextFile(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else { throw InfermonError.io(String(cString: strerror(errno))) }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
        if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
        if count < chunk.count {
            if ferror(file) != 0 { throw InfermonError.io(String(cString: strerror(errno))) }
            break
        }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw InfermonError.io("not valid UTF-8") }
    return text
}
