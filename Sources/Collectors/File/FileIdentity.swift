import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a file is, independent of its name: rotation renames files, and
/// copytruncate keeps the name but empties the content.
struct FileIdentity: Hashable {
    var device: UInt64
    var inode: UInt64

    var key: String { "\(device):\(inode)" }

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}

enum FileSystem {
    static func stat(path: String) -> stat? { statPath(path) }

    static func stat(descriptor: Int32) -> stat? {
        var info = Glibc.stat()
        return fstat(descriptor, &info) == 0 ? info : nil
    }

    static func isRegularFile(_ info: stat) -> Bool { (info.st_mode & S_IFMT) == S_IFREG }

    /// Paths matching shell globs, sorted, regular files only.
    static func expand(_ patterns: [String]) -> [String] {
        var paths = Set<String>()
        for pattern in patterns {
            var result = glob_t()
            defer { globfree(&result) }
            guard glob(pattern, 0, nil, &result) == 0 else { continue }
            for index in 0..<Int(result.gl_pathc) {
                if let raw = result.gl_pathv[index] { paths.insert(String(cString: raw)) }
            }
        }
        return paths.sorted()
    }

    /// FNV-1a of the file's first `length` bytes, to tell a replaced file from a grown one.
    static func fingerprint(descriptor: Int32, length: Int) -> (hash: UInt64, length: Int)? {
        guard length > 0 else { return (FNV1a.offsetBasis, 0) }
        var bytes = [UInt8](repeating: 0, count: length)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, length, 0) }
        guard count >= 0 else { return nil }
        return (FNV1a.hash(bytes.prefix(count)), count)
    }

    /// Bytes hashed for a fingerprint: enough to differ between two log files.
    static let fingerprintBytes = 256
}

private func statPath(_ path: String) -> stat? {
    var info = stat()
    return stat(path, &info) == 0 ? info : nil
}
