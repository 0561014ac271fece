public import InfermonCore
public import Logging
public import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Follows the files of one source like `tail -F`, with exactly-once delivery:
/// each store write carries the events read and the offsets they were read up
/// to, in one transaction, and a failed write rewinds to the last committed
/// offsets. After a crash the checkpoints say exactly where to resume.
///
/// Handles rename rotation (the old file is read to its end, by descriptor, while
/// the new one is picked up), copytruncate (a file shorter than its offset, or
/// whose first bytes changed, is read again from the start), partial last lines
/// (left until their newline arrives), files that appear later, and deleted files.
public actor FileTailer: Service {
    public let options: FileSourceOptions
    private let sink: any IngestSink
    private let checkpointSource: any CheckpointSource
    private let clock: any WallClock
    private let logger: Logger
    private let profile: any EventProfile
    private let health: ComponentHealth?
    /// The name this source goes by in `ComponentHealth`.
    public nonisolated var component: String { "source:\(options.name)" }
    private var inputs: [FileIdentity: TrackedInput] = [:]
    private var resumePoints: [String: SourceCheckpoint]?
    /// Progress by content, so copytruncate's copies are read on, not again.
    private var readContents = ReadContents()
    /// Set when a store write failed: it may have committed with only its answer
    /// lost (a database that went away at COMMIT), so the next poll asks the store.
    private var writeOutcomeUnknown = false
    public private(set) var totals = IngestTotals()

    final class TrackedInput {
        let identity: FileIdentity
        let reader: LineReader
        var fingerprint: (hash: UInt64, length: Int)
        var committedOffset: Int64
        var committedLine: Int64
        /// Polls since the file stopped matching the globs (renamed away or deleted), or nil while it matches.
        var idlePollsSinceGone: Int?
        var sizeAtLastPoll: Int64 = -1
        /// Set when its position is not yet in any checkpoint though nothing was read.
        var needsCheckpoint = false
        /// Set while the file is shorter than where it resumes: a copy still
        /// being written (copytruncate's `cp`). Being short is then no truncation.
        var awaitingCopyUntil: Int64?

        init(identity: FileIdentity, reader: LineReader, fingerprint: (hash: UInt64, length: Int)) {
            self.identity = identity
            self.reader = reader
            self.fingerprint = fingerprint
            self.committedOffset = reader.offset
            self.committedLine = reader.lineNumber
        }

        deinit { close(reader.descriptor) }
    }

    public init(
        options: FileSourceOptions, sink: any IngestSink, checkpoints: any CheckpointSource,
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil, logger: Logger
    ) {
        self.options = options
        self.health = health
        self.sink = sink
        self.checkpointSource = checkpoints
        self.clock = clock
        self.logger = logger
        self.profile = options.profile.makeProfile()
    }

    /// Polls until graceful shutdown or cancellation; either way it stops
    /// between polls, never inside a store write. A poll that fails (a file
    /// that cannot be read, a store write refused on a full disk) changes
    /// nothing that was committed; the source is marked down and polled again
    /// with backoff until it works, so it resumes by itself when the cause goes.
    public func run() async throws {
        var failures = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await pollOnce()
                if failures > 0 {
                    logger.info(
                        "file source recovered", metadata: ["source": "\(options.name)", "failures": "\(failures)"])
                }
                failures = 0
                health?.up(component, now: clock.now())
            } catch {
                failures += 1
                health?.down(component, error: "\(error)", now: clock.now())
                logger.error(
                    "file source failed; retrying",
                    metadata: [
                        "source": "\(options.name)", "error": "\(error)",
                        "retry_in": "\(Self.backoff(options.pollInterval, failures).prometheusText)",
                    ])
            }
            // Sleep, but wake at once for shutdown; the next poll is where work happens.
            let delay = Self.backoff(options.pollInterval, failures)
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: delay) }
        }
        logger.info("file source stopped", metadata: ["source": "\(options.name)"])
    }

    /// The poll interval, doubled per consecutive failure up to 30 s (or the poll interval if longer).
    static func backoff(_ interval: Duration, _ failures: Int) -> Duration {
        guard failures > 0 else { return interval }
        let ceiling = max(interval, .seconds(30))
        return min(ceiling, interval * (1 << min(failures, 16)))
    }

    /// Bytes not yet ingested, per current path: the collector's lag.
    public func lag() -> [(path: String, bytes: Int64)] {
        inputs.values.map { input in
            let size = FileSystem.stat(descriptor: input.reader.descriptor).map { Int64($0.st_size) } ?? 0
            return (input.reader.path, max(0, size - input.committedOffset))
        }.sorted { $0.path < $1.path }
    }

    /// One pass: discover files, notice rotation and truncation, read everything
    /// new, and commit it. Public so tests can drive the tailer step by step.
    @discardableResult
    public func pollOnce() async throws -> IngestTotals {
        do {
            return try await pollOnceOrThrow()
        } catch {
            // Whatever was read but not committed is read again next time.
            rewindToCommitted()
            throw error
        }
    }

    private func rewindToCommitted() {
        for input in inputs.values {
            input.reader.restart(at: max(0, input.committedOffset), lineNumber: max(0, input.committedLine))
        }
        finished.removeAll()
    }

    private func pollOnceOrThrow() async throws -> IngestTotals {
        let before = totals
        if resumePoints == nil {
            resumePoints = Dictionary(
                try checkpointSource.checkpoints(source: options.name).map { ($0.inputKey, $0) },
                uniquingKeysWith: { $1 })
            for point in resumePoints?.values.sorted(by: { $0.inputKey < $1.inputKey }) ?? [] {
                readContents.record(
                    hash: point.fingerprint, length: point.fingerprintLength, path: point.path, offset: point.offset,
                    line: point.lineNumber)
            }
        }
        if writeOutcomeUnknown {
            try adoptStoredCheckpoints()
            writeOutcomeUnknown = false
        }
        discover()
        var batch = BatchBuilder()
        let now = clock.now()
        var readThisPoll = ReadContents()
        for input in inputs.values.sorted(by: { $0.reader.path < $1.reader.path }) {
            checkTruncation(input)
            catchUp(input, readThisPoll)
            var atEnd = false
            while !atEnd {
                atEnd = try input.reader.read(into: &batch, budget: 4 << 20, now: now)
                if batch.events.count >= options.batchEvents || batch.bytes >= FileSourceOptions.maxBatchBytes {
                    try await commit(&batch)
                }
            }
            try finishIfGone(input, batch: &batch, now: now)
            readThisPoll.record(
                hash: input.fingerprint.hash, length: input.fingerprint.length, path: input.reader.path,
                offset: input.reader.offset, line: input.reader.lineNumber)
        }
        try await commit(&batch)
        return totals.since(before)
    }

    /// After a failed write, the checkpoints the store holds say what it kept:
    /// an input stored past what this tailer saw committed (the same content)
    /// was written by the batch whose answer was lost, so reading resumes there
    /// instead of sending those lines again.
    private func adoptStoredCheckpoints() throws {
        let stored = Dictionary(
            try checkpointSource.checkpoints(source: options.name).map { ($0.inputKey, $0) },
            uniquingKeysWith: { $1 })
        for input in inputs.values {
            guard let point = stored[input.identity.key], point.offset > input.committedOffset,
                let current = FileSystem.fingerprint(
                    descriptor: input.reader.descriptor, length: point.fingerprintLength),
                current.length == point.fingerprintLength, current.hash == point.fingerprint
            else { continue }
            logger.notice(
                "a store write reported as failed had been committed; reading on after it",
                metadata: [
                    "path": "\(input.reader.path)", "from": "\(input.committedOffset)", "to": "\(point.offset)",
                ])
            input.committedOffset = point.offset
            input.committedLine = point.lineNumber
            input.reader.restart(at: point.offset, lineNumber: point.lineNumber)
            input.needsCheckpoint = false
            remember(input)
        }
    }

    // MARK: Discovery

    private func discover() {
        var seen: Set<FileIdentity> = []
        for path in FileSystem.expand(options.paths) {
            guard let info = FileSystem.stat(path: path), FileSystem.isRegularFile(info) else { continue }
            let identity = FileIdentity(info)
            seen.insert(identity)
            if let tracked = inputs[identity] {
                if tracked.reader.path != path { tracked.reader.rename(to: path) }
                tracked.idlePollsSinceGone = nil
                continue
            }
            if let input = open(path: path, identity: identity) { inputs[identity] = input }
        }
        for (identity, input) in inputs where !seen.contains(identity) && input.idlePollsSinceGone == nil {
            input.idlePollsSinceGone = 0
            logger.debug("file rotated away or deleted; draining", metadata: ["path": "\(input.reader.path)"])
        }
    }

    private func open(path: String, identity: FileIdentity) -> TrackedInput? {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            logger.warning(
                "cannot open log file", metadata: ["path": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            return nil
        }
        // The name may have been reused between stat and open; trust the descriptor.
        guard let info = FileSystem.stat(descriptor: descriptor), FileIdentity(info) == identity else {
            close(descriptor)
            return nil
        }
        let size = Int64(info.st_size)
        var offset: Int64 = 0
        var line: Int64 = 0
        if let point = resumePoints?[identity.key],
            let current = FileSystem.fingerprint(descriptor: descriptor, length: point.fingerprintLength),
            current.length == point.fingerprintLength, current.hash == point.fingerprint,
            // Shorter than the checkpoint with the same first bytes: a copy that
            // was still being written when the last process stopped.
            point.offset <= size || point.fingerprintLength > 0
        {
            offset = point.offset
            line = point.lineNumber
        } else if resumePoints?[identity.key] == nil, size > 0, let twin = contentTwin(of: descriptor) {
            // copytruncate's copy (`app.jsonl.1`) is a new inode holding what was
            // already read from the original: read on from where that left off.
            offset = twin.offset
            line = twin.line
            logger.info(
                "log file is a copy of one already read; resuming after what was read",
                metadata: ["path": "\(path)", "copy_of": "\(twin.path)", "offset": "\(offset)"])
        }
        let fingerprint = FileSystem.fingerprint(descriptor: descriptor, length: FileSystem.fingerprintBytes) ?? (0, 0)
        let reader = LineReader(
            source: options.name, path: path, descriptor: descriptor, profile: profile,
            maxLineBytes: options.maxLineBytes,
            offset: offset, lineNumber: line, timestamps: options.timestamps)
        logger.info("following log file", metadata: ["path": "\(path)", "offset": "\(offset)"])
        let input = TrackedInput(identity: identity, reader: reader, fingerprint: fingerprint)
        if offset > size { input.awaitingCopyUntil = offset }
        if offset == 0, resumePoints?[identity.key] != nil {
            // A stale checkpoint for a reused inode must not survive the next commit.
            input.committedOffset = -1
        }
        if offset > 0, resumePoints?[identity.key]?.offset != offset {
            // A copy resumed from its original's progress has no checkpoint of its
            // own yet: the next commit must write one, or a restart reads it again.
            input.needsCheckpoint = true
        }
        return input
    }

    /// The furthest-read content of this source that the file behind
    /// `descriptor` starts with. Files are told apart by inode first; content
    /// decides only for an inode never seen, so a copy made by copytruncate is
    /// not read twice. The copy may still be shorter than that progress (being
    /// written): the reader then waits at the offset until the rest arrives.
    private func contentTwin(of descriptor: Int32) -> ReadContents.Progress? {
        readContents.furthest { length in
            guard let current = FileSystem.fingerprint(descriptor: descriptor, length: length),
                current.length == length
            else { return nil }
            return current.hash
        }
    }

    /// Two followed files with the same first bytes hold the same content: the
    /// original and its copy while copytruncate is between `cp` and truncate.
    /// What one has read, the other must not read again.
    private func catchUp(_ input: TrackedInput, _ readThisPoll: ReadContents) {
        let fingerprint = input.fingerprint
        let known = [
            readContents.progress(hash: fingerprint.hash, length: fingerprint.length),
            readThisPoll.progress(hash: fingerprint.hash, length: fingerprint.length),
        ].compactMap { $0 }.max { $0.offset < $1.offset }
        guard let known, known.offset > input.reader.offset else { return }
        logger.debug(
            "log file shares its content with one read further; skipping what was read",
            metadata: ["path": "\(input.reader.path)", "copy_of": "\(known.path)", "offset": "\(known.offset)"])
        input.reader.restart(at: known.offset, lineNumber: known.line)
        input.needsCheckpoint = true
        let size = FileSystem.stat(descriptor: input.reader.descriptor).map { Int64($0.st_size) } ?? 0
        if known.offset > size { input.awaitingCopyUntil = known.offset }
    }

    /// Remembers how far the input's current content was committed.
    private func remember(_ input: TrackedInput) {
        readContents.record(
            hash: input.fingerprint.hash, length: input.fingerprint.length, path: input.reader.path,
            offset: input.committedOffset, line: input.committedLine)
    }

    /// copytruncate: the file got shorter than what was read, or its first bytes
    /// changed (truncated and rewritten past the old offset between two polls).
    private func checkTruncation(_ input: TrackedInput) {
        guard let info = FileSystem.stat(descriptor: input.reader.descriptor) else { return }
        let size = Int64(info.st_size)
        if let until = input.awaitingCopyUntil, size >= until { input.awaitingCopyUntil = nil }
        var truncated = input.awaitingCopyUntil == nil && size < input.reader.offset + Int64(input.reader.pendingBytes)
        if !truncated, input.fingerprint.length > 0 {
            let current = FileSystem.fingerprint(descriptor: input.reader.descriptor, length: input.fingerprint.length)
            truncated =
                current.map { $0.length < input.fingerprint.length || $0.hash != input.fingerprint.hash } ?? false
        }
        if truncated {
            logger.info("log file truncated; reading from the start", metadata: ["path": "\(input.reader.path)"])
            // Its copy may turn up only now: keep how far this content was read.
            remember(input)
            input.awaitingCopyUntil = nil
            input.reader.restart(at: 0, lineNumber: 0)
            input.committedOffset = -1
            input.committedLine = 0
            // The new content is what later polls compare against, and what the
            // checkpoint records: a stale hash would call every poll a truncation.
            input.fingerprint =
                FileSystem.fingerprint(descriptor: input.reader.descriptor, length: FileSystem.fingerprintBytes) ?? (
                    0, 0
                )
        } else if input.fingerprint.length < FileSystem.fingerprintBytes, size > Int64(input.fingerprint.length) {
            input.fingerprint =
                FileSystem.fingerprint(descriptor: input.reader.descriptor, length: FileSystem.fingerprintBytes) ?? (
                    0, 0
                )
            remember(input)
        }
    }

    /// A file no longer under a matching name is read until it has been quiet for
    /// a while (a writer may still append after rotation), then its last partial
    /// line is taken as complete and it is let go.
    private func finishIfGone(_ input: TrackedInput, batch: inout BatchBuilder, now: Timestamp) throws {
        guard let idle = input.idlePollsSinceGone else { return }
        let size = FileSystem.stat(descriptor: input.reader.descriptor).map { Int64($0.st_size) } ?? 0
        input.idlePollsSinceGone = size == input.sizeAtLastPoll ? idle + 1 : 0
        input.sizeAtLastPoll = size
        guard idle + 1 >= options.rotatedIdlePolls else { return }
        _ = try input.reader.read(into: &batch, budget: .max, now: now, final: true)
        let deleted = FileSystem.stat(descriptor: input.reader.descriptor).map { $0.st_nlink == 0 } ?? true
        batch.checkpoints[input.identity.key] = checkpoint(input)
        if deleted {
            batch.checkpoints[input.identity.key] = nil
            batch.finishedInputs.append((options.name, input.identity.key))
        }
        finished.append(input)
        logger.info("finished log file", metadata: ["path": "\(input.reader.path)", "deleted": "\(deleted)"])
    }

    private var finished: [TrackedInput] = []

    // MARK: Committing

    private func checkpoint(_ input: TrackedInput) -> SourceCheckpoint {
        SourceCheckpoint(
            source: options.name, inputKey: input.identity.key, path: input.reader.path, offset: input.reader.offset,
            lineNumber: input.reader.lineNumber, fingerprint: input.fingerprint.hash,
            fingerprintLength: input.fingerprint.length)
    }

    private func commit(_ batch: inout BatchBuilder) async throws {
        for input in inputs.values where input.reader.offset != input.committedOffset || input.needsCheckpoint {
            if batch.checkpoints[input.identity.key] == nil,
                !batch.finishedInputs.contains(where: { $0.inputKey == input.identity.key })
            {
                batch.checkpoints[input.identity.key] = checkpoint(input)
            }
        }
        guard !batch.isEmpty else {
            releaseFinished()
            return
        }
        do {
            try await sink.write(batch.build(source: options.name))
        } catch {
            // Read it again next time, unless the store says it kept it after all.
            rewindToCommitted()
            writeOutcomeUnknown = true
            batch = BatchBuilder()
            logger.error(
                "store write failed; will re-read", metadata: ["source": "\(options.name)", "error": "\(error)"])
            throw error
        }
        for input in inputs.values {
            input.committedOffset = input.reader.offset
            input.committedLine = input.reader.lineNumber
            input.needsCheckpoint = false
            remember(input)
        }
        totals.lines += batch.linesRead
        totals.events += batch.events.count
        totals.deadLetters += batch.deadLetters.count
        totals.bytes += batch.bytes
        batch = BatchBuilder()
        releaseFinished()
    }

    private func releaseFinished() {
        for input in finished { inputs[input.identity] = nil }
        finished.removeAll()
    }
}

/// Running counts of what a collector ingested.
public struct IngestTotals: Sendable, Equatable {
    public var lines = 0
    public var events = 0
    public var deadLetters = 0
    public var bytes = 0

    public init() {}

    func since(_ earlier: IngestTotals) -> IngestTotals {
        var delta = IngestTotals()
        delta.lines = lines - earlier.lines
        delta.events = events - earlier.events
        delta.deadLetters = deadLetters - earlier.deadLetters
        delta.bytes = bytes - earlier.bytes
        return delta
    }
}
