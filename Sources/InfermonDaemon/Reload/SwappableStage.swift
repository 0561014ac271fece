import InfermonCore
import Synchronization

/// An ingest stage a reload can replace between batches: each batch runs
/// through whichever stage was current when it arrived.
final class SwappableStage: IngestStage {
    private let current: Mutex<any IngestStage>

    init(_ stage: any IngestStage) { current = Mutex(stage) }

    func replace(with stage: any IngestStage) { current.withLock { $0 = stage } }

    func process(_ batch: inout IngestBatch) async throws {
        let stage = current.withLock { $0 }
        try await stage.process(&batch)
    }

    func batchNotStored() async {
        let stage = current.withLock { $0 }
        await stage.batchNotStored()
    }
}
