import Dispatch
import Synchronization

/// A fixed number of read connections, each with its own `SeriesReader`, so a
/// dashboard, the rule evaluator and API clients read side by side (WAL lets
/// readers run beside each other and beside the writer). A read checks one out
/// for its whole duration and gives it back, and waits when all are out.
///
/// Connections open when first needed, up to `capacity`, and stay open; the
/// most recently returned is handed out first, so a light load keeps using one
/// warm connection. Each reader keeps its own page cache and catalog of series.
final class ReaderPool: Sendable {
    let capacity: Int
    /// One permit per connection, taken before checking one out.
    private let permits: DispatchSemaphore
    private let state: Mutex<State>
    private let open: @Sendable () throws -> SeriesReader

    private struct State {
        var idle: [SeriesReaderBox]
        var opened: Int
    }

    /// - Parameters:
    ///   - first: an open reader, so that a store that cannot read fails when it opens.
    ///   - open: opens another connection's reader.
    init(capacity: Int, first: SeriesReader, open: @escaping @Sendable () throws -> SeriesReader) {
        self.capacity = max(1, capacity)
        permits = DispatchSemaphore(value: self.capacity)
        state = Mutex(State(idle: [SeriesReaderBox(first)], opened: 1))
        self.open = open
    }

    /// Runs `body` with a reader of its own, waiting while every connection is in use.
    func withReader<T>(_ body: (SeriesReader) throws -> T) throws -> T {
        permits.wait()
        defer { permits.signal() }
        let reader = try checkOut()
        defer { state.withLock { $0.idle.append(reader) } }
        return try body(reader.reader)
    }

    /// An idle reader, or a new one while fewer than `capacity` are open (the permit guarantees one or the other).
    private func checkOut() throws -> SeriesReaderBox {
        let idle = state.withLock { state -> SeriesReaderBox? in
            if let reader = state.idle.popLast() { return reader }
            state.opened += 1
            return nil
        }
        if let idle { return idle }
        do {
            return SeriesReaderBox(try open())
        } catch {
            state.withLock { $0.opened -= 1 }
            throw error
        }
    }

    /// How many connections are open now (for tests).
    var openCount: Int { state.withLock { $0.opened } }
}

/// A reader is only used by the one read that checked it out.
struct SeriesReaderBox: @unchecked Sendable {
    let reader: SeriesReader
    init(_ reader: SeriesReader) { self.reader = reader }
}
