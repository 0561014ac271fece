import Collectors
import InfermonCore
import Testing

@Suite struct TruthLabelDecoderTests {
    func decode(_ text: String) throws -> [TruthLabel] {
        try TruthLabelDecoder.decode(Array(text.utf8), defaultName: "hallucinated", receivedAt: 1_000)
    }

    @Test func linesArraysAndSingleObjects() throws {
        let lines = try decode(
            """
            {"request_id":"a","name":"hallucinated","value":true,"source":"human"}
            {"request_id":"b","value":0.25}

            {"request_id":"c","value":"supported","source":"review-tool","time":"2026-01-02T03:04:05Z"}
            """)
        #expect(lines.map(\.requestID) == ["a", "b", "c"])
        #expect(lines[0].value == .bool(true) && lines[0].source == "human")
        #expect(lines[1].name == "hallucinated" && lines[1].value.unitValue == 0.25 && lines[1].receivedAt == 1_000)
        #expect(lines[2].value.unitValue == 0 && lines[2].source == "review-tool")
        #expect(lines[2].receivedAt == TimeParsing.rfc3339Millis("2026-01-02T03:04:05Z"))
        let array = try decode(#"[{"request_id":"x","value":false},{"request_id":"y","value":"yes"}]"#)
        #expect(array.map { $0.value.unitValue } == [0, 1])
        #expect(try decode(#"{"request_id":"z","value":1}"#).count == 1)
    }

    @Test func aBadRecordRefusesTheBodyWithItsPosition() {
        #expect(throws: TruthLabelDecoder.DecodeError.self) {
            try decode(#"{"request_id":"a","value":true} {"value":true}"#)
        }
        do {
            _ = try decode(#"{"request_id":"a","value":true}"# + "\n" + #"{"request_id":"b"}"#)
            Issue.record("a record without value must be refused")
        } catch {
            #expect("\(error)".contains("record 2") && "\(error)".contains("value"))
        }
        #expect(throws: TruthLabelDecoder.DecodeError.self) { try decode(#"{"request_id":7,"value":true}"#) }
        #expect(throws: TruthLabelDecoder.DecodeError.self) { try decode("{not json") }
        #expect(TruthValue.string("maybe").unitValue == nil)
    }
}

@Suite struct TruthLabelNamingDecoderTests {
    @Test func withoutADefaultTheNameIsRequired() throws {
        let naming = TruthLabelNaming(defaultName: nil, missing: "say outcome or hallucinated")
        let named = try TruthLabelDecoder.decode(
            Array(#"{"request_id":"a","name":"outcome","value":1}"#.utf8), naming: naming, receivedAt: 1)
        #expect(named.first?.name == "outcome")
        do {
            _ = try TruthLabelDecoder.decode(
                Array(
                    (#"{"request_id":"a","name":"outcome","value":1}"# + "\n" + #"{"request_id":"b","value":1}"#).utf8),
                naming: naming, receivedAt: 1)
            Issue.record("a label without a name must be refused when there is no default")
        } catch {
            #expect("\(error)" == "record 2: name is missing: say outcome or hallucinated")
        }
    }
}
