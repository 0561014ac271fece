import InfermonCore
import NIOCore
import PostgresNIO
import Store

/// A batch's events as one array parameter per column, stored by one
/// `INSERT … SELECT FROM unnest(…)`.
///
/// Not `COPY`: PostgresNIO (1.33) stops the process (a `preconditionFailure`
/// in its connection state machine) when the server closed the connection
/// during a `COPY … FROM STDIN` and the client then sends its next data, its
/// CopyDone or its CopyFail. Found when PostgreSQL was stopped under CPU load:
/// one of three daemons died while the others recovered (and Swift's crash
/// backtracer kept it from answering HTTP for minutes before it did). An
/// `INSERT` whose connection closes fails like any other query, and the writer
/// retries the batch on a new connection.
struct PostgresEventRows {
    private var ts: [Int64?] = []
    private var keyID: [Int64?] = []
    private var sourceID: [Int64?] = []
    private var requestID: [String?] = []
    private var errorType: [String?] = []
    private var latency: [Double?] = []
    private var ttft: [Double?] = []
    private var tokens: [[Int64?]] = Array(repeating: [], count: 5)
    private var cost: [Double?] = []
    private var finishReason: [String?] = []
    private var streamed: [Bool?] = []
    private var predictionNumber: [Double?] = []
    private var predictionText: [String?] = []
    private var labelNumber: [Double?] = []
    private var labelText: [String?] = []
    private var feedback: [Double?] = []
    private var texts: [[String?]] = Array(repeating: [], count: 5)

    /// The statement: its columns are `PostgresBatchWriter.copyColumns`, in that order.
    static let insert: String = {
        let types = [
            "int8", "int8", "int8", "text", "text", "float8", "float8", "int8", "int8", "int8", "int8", "int8",
            "float8", "text", "bool", "float8", "text", "float8", "text", "float8", "text", "text", "text", "text",
            "text",
        ]
        precondition(types.count == PostgresBatchWriter.copyColumns.count)
        let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)[]" }
        return "INSERT INTO events (\(PostgresBatchWriter.copyColumns.joined(separator: ", "))) "
            + "SELECT * FROM unnest(\(arrays.joined(separator: ", ")))"
    }()

    init(_ events: [InferenceEvent], keyIDs: [Int64], sourceID source: Int64?) {
        for (index, event) in events.enumerated() {
            ts.append(event.timestamp)
            keyID.append(keyIDs[index])
            sourceID.append(source)
            requestID.append(event.requestID)
            errorType.append(event.errorType)
            latency.append(event.latency)
            ttft.append(event.timeToFirstToken)
            let counts = [
                event.promptTokens, event.completionTokens, event.cachedTokens, event.reasoningTokens,
                event.cacheWriteTokens,
            ]
            for (column, count) in counts.enumerated() { tokens[column].append(count.map(Int64.init)) }
            cost.append(event.cost)
            finishReason.append(event.finishReason)
            streamed.append(event.streamed)
            let prediction = Self.split(event.prediction)
            predictionNumber.append(prediction.number)
            predictionText.append(prediction.text)
            let label = Self.split(event.label)
            labelNumber.append(label.number)
            labelText.append(label.text)
            feedback.append(event.feedback)
            let columns = [
                event.features.isEmpty ? nil : featuresJSON(event.features), event.attributes, event.prompt,
                event.response, event.context,
            ]
            for (column, text) in columns.enumerated() { texts[column].append(text) }
        }
    }

    /// A prediction or label: a number, or a category's text.
    private static func split(_ value: FeatureValue?) -> (number: Double?, text: String?) {
        switch value {
        case .number(let figure): (figure, nil)
        case .category(let category): (nil, category)
        case nil: (nil, nil)
        }
    }

    var bindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: PostgresBatchWriter.copyColumns.count)
        bindings.append(NullableArray(ts))
        bindings.append(NullableArray(keyID))
        bindings.append(NullableArray(sourceID))
        bindings.append(NullableArray(requestID))
        bindings.append(NullableArray(errorType))
        bindings.append(NullableArray(latency))
        bindings.append(NullableArray(ttft))
        for column in tokens { bindings.append(NullableArray(column)) }
        bindings.append(NullableArray(cost))
        bindings.append(NullableArray(finishReason))
        bindings.append(NullableArray(streamed))
        bindings.append(NullableArray(predictionNumber))
        bindings.append(NullableArray(predictionText))
        bindings.append(NullableArray(labelNumber))
        bindings.append(NullableArray(labelText))
        bindings.append(NullableArray(feedback))
        for column in texts { bindings.append(NullableArray(column)) }
        return bindings
    }
}

/// A one-dimensional array parameter whose elements may be NULL, which
/// PostgresNIO's own array encoding cannot express.
struct NullableArray<Element: PostgresArrayEncodable & PostgresNonThrowingEncodable>: PostgresNonThrowingEncodable {
    let values: [Element?]
    init(_ values: [Element?]) { self.values = values }

    static var psqlType: PostgresDataType { Element.psqlArrayType }
    static var psqlFormat: PostgresFormat { .binary }

    /// PostgreSQL's binary array: dimensions, has-nulls flag, element type,
    /// then the one dimension's length and lower bound, then each element as
    /// its length (-1 for NULL) and bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(
        into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>
    ) {
        buffer.writeInteger(values.isEmpty ? 0 : 1, as: Int32.self)
        buffer.writeInteger(values.contains { $0 == nil } ? 1 : 0, as: Int32.self)
        buffer.writeInteger(Element.psqlType.rawValue)
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count), as: Int32.self)
        buffer.writeInteger(1, as: Int32.self)
        for value in values {
            guard let value else {
                buffer.writeInteger(-1, as: Int32.self)
                continue
            }
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            value.encode(into: &buffer, context: context)
            buffer.setInteger(Int32(buffer.writerIndex - lengthAt - 4), at: lengthAt, as: Int32.self)
        }
    }
}
