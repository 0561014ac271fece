public import InfermonCore
public import Logging
public import ServiceLifecycle

/// What happened to a pushed batch.
public enum SubmitOutcome: Sendable, Equatable {
    /// Durably stored (events whose request id was already stored are skipped).
    case stored
    /// The queue is full: nothing was taken; retry after the given seconds.
    case busy(retryAfterSeconds: Int)
}

/// The bounded queue between push receivers (HTTP, OTLP) and the store.
/// A receiver's batch is either refused at once (queue full: the client gets
/// 429 with Retry-After and keeps its data) or answered only after the
/// transaction holding it has committed, so nothing acknowledged can be lost.
/// The writer drains several waiting batches into one transaction (group
/// commit), which is what makes many small pushes cheap.
public actor IngestQueue: Service {
    public struct Options: Sendable {
        /// Events allowed to wait for the writer before pushes are refused.
        public var capacityEvents: Int
        /// Events per store transaction, at most.
        public var maxBatchEvents: Int
        public var retryAfterSeconds: Int

        public init(capacityEvents: Int = 200_000, maxBatchEvents: Int = 20_000, retryAfterSeconds: Int = 1) {
            self.capacityEvents = capacityEvents
            self.maxBatchEvents = maxBatchEvents
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    private struct Pending {
        var batch: IngestBatch
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let sink: any IngestSink
    private let options: Options
    private let logger: Logger
    private var pending: [Pending] = []
    private var queuedEvents = 0
    private var writerWaiting: CheckedContinuation<Void, Never>?
    private var stopping = false
    public private(set) var storedEvents = 0

    public init(sink: any IngestSink, options: Options = Options(), logger: Logger) {
        self.sink = sink
        self.options = options
        self.logger = logger
    }

    /// Events waiting for the writer, for `/metrics`.
    public var depth: Int { queuedEvents }

    public func submit(_ batch: IngestBatch) async throws -> SubmitOutcome {
        guard !stopping else { throw InfermonError.unavailable("infermon is shutting down") }
        let size = max(batch.events.count, 1)
        if queuedEvents > 0, queuedEvents + size > options.capacityEvents {
            return .busy(retryAfterSeconds: options.retryAfterSeconds)
        }
        queuedEvents += size
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(batch: batch, continuation: continuation))
            writerWaiting?.resume()
            writerWaiting = nil
        }
        return .stored
    }

    /// The writer loop: takes what is waiting, writes it in one transaction,
    /// answers every submitter. On shutdown it drains what was accepted first.
    public func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            while true {
                if pending.isEmpty {
                    if stopping { break }
                    await withCheckedContinuation { writerWaiting = $0 }
                    continue
                }
                await writeWaitingBatches()
            }
        } onCancelOrGracefulShutdown: {
            Task { await self.beginStopping() }
        }
    }

    private func beginStopping() {
        stopping = true
        writerWaiting?.resume()
        writerWaiting = nil
    }

    private func writeWaitingBatches() async {
        var taken: [Pending] = []
        var events = 0
        // Batches of one source at a time, so each stored row names the source it came from.
        while let next = pending.first,
            taken.isEmpty
                || (next.batch.source == taken[0].batch.source
                    && events + next.batch.events.count <= options.maxBatchEvents)
        {
            taken.append(pending.removeFirst())
            events += next.batch.events.count
        }
        var combined = IngestBatch()
        combined.source = taken.first?.batch.source
        combined.deduplicateByRequestID = taken.contains { $0.batch.deduplicateByRequestID }
        for item in taken {
            combined.events += item.batch.events
            combined.deadLetters += item.batch.deadLetters
            combined.samples += item.batch.samples
        }
        do {
            try await sink.write(combined)
            storedEvents += events
            for item in taken { item.continuation.resume() }
        } catch {
            logger.error("store write of pushed events failed", metadata: ["events": "\(events)", "error": "\(error)"])
            for item in taken {
                item.continuation.resume(throwing: InfermonError.unavailable("store write failed: \(error)"))
            }
        }
        queuedEvents -= taken.reduce(0) { $0 + max($1.batch.events.count, 1) }
    }
}
