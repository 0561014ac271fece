import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh directory under $TMPDIR for one test, removed with everything in it
/// when the value is released (unless INFERMON_KEEP_TEST_FILES is set).
public final class TemporaryDirectory: @unchecked Sendable {
    public let path: String

    public init(prefix: String = "infermon-test") throws {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/\(prefix)-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw InfermonError.io("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    deinit {
        if getenv("INFERMON_KEEP_TEST_FILES") == nil { removeTree(path) }
    }

    public func file(_ name: String) -> String { "\(path)/\(name)" }
}

/// `rm -rf`, without a shell. Unlinking first removes files and symbolic
/// links (never following them); what cannot be unlinked is a directory.
public func removeTree(_ path: String) {
    if unlink(path) == 0 { return }
    guard let directory = opendir(path) else { return }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name != "." && name != ".." { removeTree("\(path)/\(name)") }
    }
    closedir(directory)
    rmdir(path)
}

/// Small file helpers for tests that write logs the way applications do.
public enum TestFiles {
    /// Appends text (opening and closing the file, as a logger that reopens would).
    public static func append(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw InfermonError.io("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        try write(Array(text.utf8), to: descriptor)
    }

    public static func append(bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw InfermonError.io("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        try write(bytes, to: descriptor)
    }

    public static func write(_ bytes: [UInt8], to descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { throw InfermonError.io("write: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Truncates to zero length in place, as logrotate's copytruncate does.
    public static func truncate(_ path: String) throws {
        guard Glibc.truncate(path, 0) == 0 else { throw InfermonError.io("truncate \(path)") }
    }

    public static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else { throw InfermonError.io("rename \(from)") }
    }

    public static func remove(_ path: String) { unlink(path) }

    public static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw InfermonError.io("open \(path)") }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if count <= 0 { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }
}
