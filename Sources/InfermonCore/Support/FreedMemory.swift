#if canImport(Glibc)
    import Glibc
#endif

/// Gives the memory the allocator holds free back to the system.
///
/// glibc's malloc keeps freed memory for reuse and returns it only from the top
/// of the heap. A burst of short-lived allocations (a `/metrics` rendering of
/// 10,000 label sets makes a few hundred thousand series and strings) leaves
/// free pages between the long-lived ones, and the daemon's resident size grew
/// by about 100 MB with each scrape to more than 600 MB while its heap in use
/// stayed under 150 MB. `malloc_trim` releases free pages wherever they are.
/// Call it after such a burst, not in a loop: it walks the whole heap.
public enum FreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    /// Looked up at run time: `malloc.h` is not in Swift's Glibc module, and a
    /// C library without it (musl) simply has nothing to call.
    private static let trim: Trim? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: Trim.self)
        #else
            return nil
        #endif
    }()

    /// Whether any memory was returned (always false where the allocator has no such call).
    @discardableResult
    public static func returnToSystem() -> Bool {
        trim.map { $0(0) == 1 } ?? false
    }
}
