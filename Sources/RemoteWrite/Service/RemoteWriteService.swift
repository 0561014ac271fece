import AsyncHTTPClient
public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Sends the store's series to every `remote_write` endpoint. Each endpoint
/// has its own loop: every `send_interval` it reads the intervals closed since
/// its cursor and queues them (durably, moving the cursor in the same
/// transaction), and in between it sends the oldest queued batch, deleting it
/// only after a 2xx. Batches leave one at a time in queue order, so each
/// series' samples arrive in time order; a receiver that is down gets the
/// backlog when it is back, and a restart resumes from the queue and cursor.
public final class RemoteWriteService: Service, Sendable {
    private let endpoints: [RemoteWriteEndpoint]
    private let querier: any SeriesQuerier
    private let queue: any RemoteWriteQueue
    private let step: Int64
    private let clock: any WallClock
    private let userAgent: String
    private let observer: @Sendable (RemoteWriteEvent) -> Void
    private let logger: Logger

    /// `step` is the store's rollup interval: the grid samples are read on.
    public init(
        config: RemoteWriteConfig, querier: any SeriesQuerier, queue: any RemoteWriteQueue, step: Int64,
        clock: any WallClock, userAgent: String, logger: Logger,
        observer: @escaping @Sendable (RemoteWriteEvent) -> Void = { _ in }
    ) {
        self.endpoints = config.endpoints
        self.querier = querier
        self.queue = queue
        self.step = step
        self.clock = clock
        self.userAgent = userAgent
        self.observer = observer
        self.logger = logger
    }

    public func run() async throws {
        guard !endpoints.isEmpty else { return }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for endpoint in self.endpoints {
                    group.addTask { await self.loop(endpoint) }
                }
            }
        }
    }

    /// The endpoint's produce-and-send loop, until cancelled.
    func loop(_ endpoint: RemoteWriteEndpoint) async {
        let client = RemoteWriteClient(endpoint: endpoint, userAgent: userAgent, client: .shared, clock: clock)
        var logger = self.logger
        logger[metadataKey: "remote_name"] = "\(endpoint.name)"
        var nextRead = clock.now()
        var backoff = endpoint.queue.minBackoff
        var retryAt: Timestamp = .min
        while !Task.isCancelled {
            let now = clock.now()
            if now >= nextRead {
                do {
                    try await queueClosedIntervals(endpoint, now: now)
                } catch {
                    logger.warning("cannot queue samples for remote write", metadata: ["error": "\(error)"])
                }
                nextRead = now + endpoint.queue.sendInterval.millis
            }
            var head: RemoteWriteBatch?
            do {
                head = try await queue.oldestRemoteWriteBatch(endpoint: endpoint.name)
            } catch {
                logger.warning("cannot read the remote write queue", metadata: ["error": "\(error)"])
            }
            if let batch = head, clock.now() >= retryAt {
                let started = monotonicNanoseconds()
                let outcome = await client.send(batch)
                let seconds = Double(monotonicNanoseconds() - started) / 1e9
                switch outcome {
                case .sent:
                    backoff = endpoint.queue.minBackoff
                    observer(
                        .sent(
                            endpoint: endpoint.name, url: endpoint.url, samples: batch.samples,
                            bytes: batch.body.count, seconds: seconds, highestTimestamp: batch.highestTimestamp))
                    await remove(batch, endpoint, logger: logger)
                case .retry(let reason, let notBefore):
                    observer(.retried(endpoint: endpoint.name, url: endpoint.url, samples: batch.samples))
                    let after = clock.now()
                    retryAt = max(after + backoff.millis, notBefore ?? .min)
                    logger.warning(
                        "remote write failed, retrying",
                        metadata: ["error": "\(reason)", "retry_in_ms": "\(retryAt - after)"])
                    backoff = min(backoff * 2, endpoint.queue.maxBackoff)
                case .refused(let status, let reason):
                    observer(.failed(endpoint: endpoint.name, url: endpoint.url, samples: batch.samples))
                    logger.error(
                        "remote write refused, dropping the batch",
                        metadata: ["status": "\(status)", "error": "\(reason)", "samples": "\(batch.samples)"])
                    await remove(batch, endpoint, logger: logger)
                }
                continue
            }
            let wake = head == nil ? nextRead : min(nextRead, retryAt)
            do { try await clock.sleep(until: wake) } catch { return }
        }
    }

    /// Reads the intervals closed (and `delay` old) since the cursor and queues them.
    func queueClosedIntervals(_ endpoint: RemoteWriteEndpoint, now: Timestamp) async throws {
        let until = floorDivide(now - endpoint.queue.delay.millis, step) * step
        guard let from = try await queue.remoteWriteCursor(endpoint: endpoint.name) else {
            // A new endpoint starts at the present: remote write sends what happens from now on.
            _ = try await queue.enqueueRemoteWrite(
                endpoint: endpoint.name, batches: [], cursor: until, maxPendingSamples: endpoint.queue.capacity)
            return
        }
        guard until > from else { return }
        let reader = IntervalReader(querier: querier, step: step)
        let series = try await BlockingWork.run { try reader.read(from: from, until: until) }
        let built = BatchBuilder(
            externalLabels: endpoint.externalLabels, relabel: endpoint.relabel,
            maxSamplesPerSend: endpoint.queue.maxSamplesPerSend
        ).build(series)
        let dropped = try await queue.enqueueRemoteWrite(
            endpoint: endpoint.name, batches: built.batches, cursor: until, maxPendingSamples: endpoint.queue.capacity)
        if dropped > 0 {
            observer(.dropped(endpoint: endpoint.name, url: endpoint.url, samples: dropped))
            logger.warning(
                "remote write queue over capacity, dropped the oldest samples",
                metadata: ["remote_name": "\(endpoint.name)", "samples": "\(dropped)"])
        }
        await reportPending(endpoint)
    }

    private func remove(_ batch: RemoteWriteBatch, _ endpoint: RemoteWriteEndpoint, logger: Logger) async {
        do {
            try await queue.deleteRemoteWriteBatch(endpoint: endpoint.name, id: batch.id)
        } catch {
            // Sent again after a restart: receivers accept an identical sample twice.
            logger.warning("cannot remove a sent batch", metadata: ["error": "\(error)"])
        }
        await reportPending(endpoint)
    }

    private func reportPending(_ endpoint: RemoteWriteEndpoint) async {
        if let pending = try? await queue.pendingRemoteWriteSamples(endpoint: endpoint.name) {
            observer(.pending(endpoint: endpoint.name, url: endpoint.url, samples: pending))
        }
    }
}
