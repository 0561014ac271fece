import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// One event-writing process per SQLite file, enforced across processes.
///
/// The writer numbers events from its own counter (`EventRowWriter`) and keeps
/// open rollup intervals and sample chunks in memory, so a second process
/// writing events into the same file collides on `events.id` part-way through,
/// after some of its batches were committed, and skews running totals. An
/// exclusive `flock` on `<db>.lock` turns that into a refusal before anything is
/// written. flock locks are apart from the fcntl locks SQLite takes on the
/// database, and the kernel drops them when the process ends however it ends
/// (SIGKILL included), so a crash leaves no stale lock to clean up. The holder
/// writes its pid and command line into the file so that the refusal can name it.
///
/// Confined to the store's write queue, like the writer it guards.
final class EventWriterLock: @unchecked Sendable {
    let storePath: String
    let path: String
    private var descriptor: Int32 = -1

    init(storePath: String) {
        self.storePath = storePath
        path = storePath + ".lock"
    }

    var isHeld: Bool { descriptor >= 0 }

    /// How long a lock without a holder line is waited for before the refusal.
    static let passingWaitMilliseconds = 1_000

    /// Takes the lock unless this store already holds it; waits only for a lock in
    /// passing (see below), never for a holder that has signed the lock.
    func acquire() throws {
        guard descriptor < 0 else { return }
        // Close-on-exec: a child process (a notification hook) must not keep the lock after the daemon is gone.
        var opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if opened >= 0 {
            // As SQLite does with its -wal and -shm files: root running a command on the
            // daemon's file must not leave a lock file the daemon's user cannot open.
            var store = stat()
            if geteuid() == 0, stat(storePath, &store) == 0 { _ = fchown(opened, store.st_uid, store.st_gid) }
        } else if errno == EACCES {
            // flock needs no write access; only the holder's line is not recorded then.
            opened = open(path, O_RDONLY | O_CLOEXEC)
        }
        guard opened >= 0 else {
            throw InfermonError.io("cannot open the writer lock \(path): \(String(cString: strerror(errno)))")
        }
        var waited = 0
        while flock(opened, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            let holder = Self.readHolder(opened)
            // An empty holder line is a lock in passing: taken a moment ago and not yet
            // signed, or let go while a child forked at that instant (any process's
            // fork, before its exec closes the descriptor) still shares it. Both end
            // within milliseconds, so wait a little for them rather than refuse.
            if code == EWOULDBLOCK, holder == nil, waited < Self.passingWaitMilliseconds {
                usleep(10_000)
                waited += 10
                continue
            }
            close(opened)
            guard code == EWOULDBLOCK else {
                throw InfermonError.io("cannot lock \(path): \(String(cString: strerror(code)))")
            }
            throw refusal(holder: holder)
        }
        descriptor = opened
        let arguments = CommandLine.arguments.joined(separator: " ")
        let command = arguments.count > 300 ? String(arguments.prefix(300)) + "…" : arguments
        var text = Array("pid \(getpid()): \(command)\n".utf8)
        // The lock is the flock, not this text: a failure to record the holder only makes a refusal less specific.
        _ = ftruncate(opened, 0)
        _ = text.withUnsafeMutableBytes { pwrite(opened, $0.baseAddress, $0.count, 0) }
    }

    /// Clears the holder's line and lets the lock go, so the next writer can start at once.
    func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private func refusal(holder: String?) -> InfermonError {
        let who = holder.map { "another process (\($0))" } ?? "another process"
        return InfermonError.unavailable(
            "\(storePath) is being written by \(who); an SQLite store takes one event-writing process at a time, "
                + "so nothing was written. Stop that process first, or, if it is a running infermon serve, send "
                + "the events to it over HTTP instead: POST /api/v1/events (for example curl -H 'Authorization: "
                + "Bearer TOKEN' --data-binary @events.jsonl 'http://127.0.0.1:9464/api/v1/events?profile=native'). "
                + "The lock is on \(path).")
    }

    /// The holder's line, or nil when it is not written yet (it has just taken the lock) or is unreadable.
    private static func readHolder(_ descriptor: Int32) -> String? {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let line = String(decoding: buffer[..<count], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
        return line.flatMap { $0.isEmpty ? nil : $0 }
    }
}
