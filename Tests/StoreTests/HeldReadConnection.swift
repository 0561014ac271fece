import Dispatch

@testable import Store

extension SQLiteStore {
    /// Checks out one read connection and keeps it until the returned closure
    /// is called (which waits until it is back): a slow read, for tests of what
    /// the other connections do meanwhile.
    func holdReadConnection() -> @Sendable () -> Void {
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            _ = try? self.withReadConnection { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }
        holding.wait()
        return {
            release.signal()
            done.wait()
        }
    }
}
