import Collectors
public import InfermonCore
public import Logging
public import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Appends generated traffic to a JSONL file, replaying `history` of simulated
/// time at `speed` times real time and then carrying on live, as a gateway would.
public struct TrafficFileWriter: Service {
    let path: String
    let history: Int64
    let speed: Double
    let baseRate: Double
    let clock: any WallClock
    let logger: Logger
    let schedule: TrafficGenerator.Schedule
    let seed: UInt64?

    /// `seed`: nil seeds from the clock, so each demo differs.
    public init(
        path: String, history: Int64, speed: Double, baseRate: Double, clock: any WallClock = SystemWallClock(),
        schedule: TrafficGenerator.Schedule = TrafficGenerator.Schedule(), seed: UInt64? = nil, logger: Logger
    ) {
        self.schedule = schedule
        self.seed = seed
        self.path = path
        self.history = history
        self.speed = speed
        self.baseRate = baseRate
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw InfermonError.io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let wallStart = clock.now()
        let simulatedStart = wallStart - history
        // Days start at local midnight of the first simulated day, so incidents fall at fixed hours.
        var generator = TrafficGenerator(
            dayStart: simulatedStart - simulatedStart % 86_400_000, baseRate: baseRate, seed: seed ?? UInt64(wallStart))
        generator.schedule = schedule
        var next = generator.nextArrival(after: simulatedStart)
        var caughtUp = false
        logger.info(
            "demo traffic started",
            metadata: ["file": "\(path)", "history": "\(TimeParsing.formatDuration(history))", "speed": "\(speed)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wallNow = clock.now()
            let simulatedNow = min(simulatedStart + Int64(Double(wallNow - wallStart) * speed), wallNow)
            if !caughtUp, simulatedNow >= wallNow - 1000 {
                caughtUp = true
                logger.info("demo history replayed; continuing live")
            }
            var chunk = ""
            while next <= simulatedNow {
                chunk += NativeEncoder.line(generator.event(at: next))
                chunk += "\n"
                next = generator.nextArrival(after: next)
            }
            if !chunk.isEmpty {
                var bytes = Array(chunk.utf8)
                let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written != bytes.count { throw InfermonError.io("short write to \(path)") }
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: .milliseconds(100)) }
        }
    }
}
