import InfermonCore
import Testing

@Suite("Time parsing")
struct TimeParsingTests {
    @Test func rfc3339RoundTrip() {
        for millis: Int64 in [0, 1_795_830_531_423, 951_782_400_000, 4_102_444_799_999] {
            #expect(TimeParsing.rfc3339Millis(TimeParsing.formatRFC3339(millis)) == millis)
        }
        #expect(TimeParsing.formatRFC3339(1_795_830_531_423) == "2026-11-28T01:48:51.423Z")
    }

    @Test(arguments: [
        "", "2026-13-01T00:00:00Z", "2026-11-28", "2026-11-28T25:00:00Z", "2026-11-28T02:25:48Zjunk",
        "2026-11-28T02:25:48+0",
    ])
    func invalidTimesAreRejected(text: String) {
        #expect(TimeParsing.rfc3339Millis(text) == nil)
    }

    @Test func durations() {
        #expect(TimeParsing.durationMillis("1h30m") == 5_400_000)
        #expect(TimeParsing.durationMillis("250ms") == 250)
        #expect(TimeParsing.durationMillis("7d") == 604_800_000)
        #expect(TimeParsing.durationMillis("5") == nil)
        #expect(TimeParsing.durationMillis("5x") == nil)
        // Parts that fit alone but not together, as the template fuzzer found (it trapped).
        #expect(TimeParsing.durationMillis("153722867280912m1h") == nil)
        #expect(TimeParsing.durationMillis("33333333333150m133333333333150m") == nil)
        #expect(TimeParsing.durationMillis("153722867280912m") == Int64(153_722_867_280_912) * 60_000)
        #expect(TimeParsing.formatDuration(5_400_000) == "1h30m")
    }
}
