#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs saved inputs through their targets in an ordinary build, so the seed
/// corpora and every past crash are checked by `make test` without libFuzzer.
enum Replay {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Every regular file under `paths` (directories recursively, dot files
    /// skipped), through `target`; the number of inputs run.
    static func run(_ target: FuzzTarget, paths: [String]) throws -> Int {
        var count = 0
        for path in paths {
            for file in try files(under: path) {
                let bytes = try read(file)
                bytes.withUnsafeBufferPointer { target.run($0) }
                count += 1
            }
        }
        return count
    }

    /// `fuzz/corpus/<target>` and `fuzz/regressions/<target>` of every target.
    /// A folder named after no target fails, so a renamed target cannot leave
    /// its corpus silently unreplayed.
    static func runAll(fuzzDirectory: String) throws -> [(target: String, inputs: Int)] {
        var counts: [(target: String, inputs: Int)] = []
        for kind in ["corpus", "regressions"] {
            let base = fuzzDirectory + "/" + kind
            guard isDirectory(base) else { continue }
            for name in try entries(of: base) where isDirectory(base + "/" + name) {
                guard FuzzTargets.named(name) != nil else {
                    throw Failure(description: "\(base)/\(name): no fuzz target \"\(name)\" (\(FuzzTargets.names))")
                }
            }
        }
        for target in FuzzTargets.all {
            let paths = ["corpus", "regressions"].map { "\(fuzzDirectory)/\($0)/\(target.name)" }.filter(isDirectory)
            counts.append((target.name, try run(target, paths: paths)))
        }
        return counts
    }

    static func files(under path: String) throws -> [String] {
        guard isDirectory(path) else {
            guard access(path, R_OK) == 0 else { throw Failure(description: "\(path): cannot read") }
            return [path]
        }
        var result: [String] = []
        for name in try entries(of: path) {
            result += try files(under: path + "/" + name)
        }
        return result
    }

    /// Names in a directory, sorted, without `.`, `..` and dot files.
    static func entries(of directory: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            throw Failure(description: "\(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// Whether `opendir` takes it; not `stat`, whose struct several clang
    /// modules claim on Linux, which member import visibility rejects.
    static func isDirectory(_ path: String) -> Bool {
        guard let directory = opendir(path) else { return false }
        closedir(directory)
        return true
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw Failure(description: "\(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count {
                guard ferror(file) == 0 else { throw Failure(description: "\(path): read error") }
                return bytes
            }
        }
    }
}
