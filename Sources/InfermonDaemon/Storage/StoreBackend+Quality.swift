package import InfermonCore
import PostgresStore
import Store

/// The quality stage's store on either backend. Not part of `DaemonStore`:
/// only the quality service, the label push and the label and calibration
/// commands use it.
extension StoreBackend {
    package typealias QualityStore = JudgmentStore & GoldJudgmentStore & SeriesQuerier & SampleAppender

    package var qualityStore: any QualityStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }
}
