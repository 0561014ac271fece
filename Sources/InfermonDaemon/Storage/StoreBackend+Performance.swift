package import InfermonCore
import PostgresStore
import Store

/// The performance stage's store on either backend: predictions joined with
/// their late labels, windows rewritten in place, label counts appended. Not
/// part of `DaemonStore`: only the performance service and `infermon
/// performance report` use it.
extension StoreBackend {
    package typealias PerformanceStore = PredictionStore & BackfillAppender & SampleAppender

    package var performanceStore: any PerformanceStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }
}
