import InfermonCore

/// One rendering of a page at a time, shared by every request that arrives while
/// it is being made.
///
/// `/metrics` over 10,000 label sets takes seconds and a few hundred MB while it
/// is made. Prometheus gives up on a scrape after its timeout (10 s by default)
/// and tries again at the next interval, and two Prometheus servers scrape at
/// once; each of those used to start its own rendering beside the ones still
/// running, and the daemon's memory grew with every overlap. A request that finds
/// a rendering under way waits for that one and answers with its text, which is
/// as fresh as a scrape can expect.
actor SharedRender<Page: Sendable> {
    private var inFlight: Task<Page, any Error>?
    private var joined = 0

    /// Requests that waited for a rendering another request had started.
    var sharedRequests: Int { joined }

    func text(_ render: @escaping @Sendable () async throws -> Page) async throws -> Page {
        if let inFlight {
            joined += 1
            return try await inFlight.value
        }
        // Unstructured, so a scraper that disconnects does not cancel the text others wait for.
        let task = Task {
            // A rendering's temporaries are gone by then; see `FreedMemory`.
            defer { FreedMemory.returnToSystem() }
            return try await render()
        }
        inFlight = task
        defer { inFlight = nil }
        return try await task.value
    }
}
