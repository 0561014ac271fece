import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `mkdir -p` for the directory holding `path`.
package func makeParentDirectory(of path: String) throws {
    guard let slash = path.lastIndex(of: "/") else { return }
    try makeDirectory(String(path[..<slash]))
}

func makeDirectory(_ directory: String) throws {
    guard !directory.isEmpty else { return }
    var built = directory.hasPrefix("/") ? "" : "."
    for component in directory.split(separator: "/") {
        built += "/" + component
        if mkdir(built, 0o750) != 0 && errno != EEXIST {
            throw InfermonError.io("cannot create \(built): \(String(cString: strerror(errno)))")
        }
    }
}

package var processEnvironment: [String: String] { currentEnvironment() }
