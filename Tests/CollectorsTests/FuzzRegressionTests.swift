import Collectors
import InfermonCore
import Testing

/// Inputs on which libFuzzer (`scripts/fuzz.sh`) crashed a profile, fed again
/// byte for byte. The same bytes are in `Fuzz/regressions/<target>/`, which
/// `make test` also replays through the fuzz targets.
@Suite struct FuzzRegressionTests {
    /// A `status_code` beyond Int's range was converted with `Int(_:)`, which traps.
    @Test(arguments: [#"{"status_code":9e50}"#, #"{"status_code":-9223372036854775809}"#])
    func openAIStatusCodeBeyondIntIsRejected(line: String) {
        let error = #expect(throws: EventDecodingError.self) { try OpenAIProfile().decode(Array(line.utf8)) }
        #expect(error?.reason == "status_code must be a whole number", "\(String(describing: error))")
    }

    @Test func openAIStatusCodeStillMapsToAStatus() throws {
        let line = #"{"timestamp":1795830531,"request":{"model":"m"},"status_code":504}"#
        let event = try OpenAIProfile().decode(Array(line.utf8))
        #expect(event.status == .timeout && event.errorType == "http_504")
    }
}
