import InfermonCore

/// One event of a batch bound for the `events` table: where it is in the batch
/// and the id of its key.
struct EventRow {
    var position: Int
    var keyID: Int64
}

/// Inserts raw event rows, many per statement.
///
/// Each statement execution opens its cursors on `events` and on `events_ts` by
/// descending from the roots and closes them at the end; with one row per
/// execution that, not the row, is most of the cost. A statement of
/// `rowsPerStatement` rows pays it once, and its cursors stay on the last page,
/// where rows with growing ids and times are appended. Ids are assigned here
/// (one more than the largest stored), so text rows know their event's id
/// without asking after every insert.
final class EventRowWriter {
    static let rowsPerStatement = 64
    private static let columns = """
        id, ts, key_id, source_id, request_id, error_type, latency, ttft, prompt_tokens, completion_tokens,
        cached_tokens, reasoning_tokens, cost, finish_reason, streamed, prediction, label, feedback, features,
        attributes, cache_write_tokens
        """
    private static let columnCount: Int32 = 21

    private let connection: SQLiteConnection
    private let one: Statement
    private let many: Statement
    /// Text rows go in as event rows do, many per statement, by how many a chunk has.
    private var textStatements: [Int: Statement] = [:]
    /// The id the next row gets; read from the table when unknown.
    private var nextID: Int64?
    private let texts: TextDictionaries

    init(connection: SQLiteConnection) throws {
        self.connection = connection
        texts = TextDictionaries(connection: connection)
        let row = "(" + Array(repeating: "?", count: Int(Self.columnCount)).joined(separator: ",") + ")"
        one = try connection.prepare("INSERT INTO events (\(Self.columns)) VALUES \(row)")
        many = try connection.prepare(
            "INSERT INTO events (\(Self.columns)) VALUES "
                + Array(repeating: row, count: Self.rowsPerStatement).joined(separator: ","))
    }

    /// The statement inserting `count` text rows, prepared on first use: usually
    /// only the one of a full chunk, and that of whatever remains at a batch's end.
    private func insertTexts(_ count: Int) throws -> Statement {
        if let statement = textStatements[count] { return statement }
        let statement = try connection.prepare(
            "INSERT INTO event_texts (event_id, prompt, response, context) VALUES "
                + Array(repeating: "(?,?,?,?)", count: count).joined(separator: ","))
        textStatements[count] = statement
        return statement
    }

    /// Forgets the next id and the text dictionaries' state, after a failed
    /// transaction may have left them ahead of the table.
    func discard() {
        nextID = nil
        texts.discard()
    }

    func insert(_ events: UnsafeBufferPointer<InferenceEvent>, rows: [EventRow], sourceID: Int64?) throws {
        var id = try nextID ?? connection.scalarInt("SELECT COALESCE(MAX(id), 0) + 1 FROM events")
        var start = 0
        while start < rows.count {
            let count = min(Self.rowsPerStatement, rows.count - start)
            let statement = count == Self.rowsPerStatement ? many : one
            let end = statement === many ? start + count : start + 1
            for index in start..<end {
                let row = rows[index]
                try bind(
                    events.baseAddress! + row.position, id: id + Int64(index - start), keyID: row.keyID,
                    sourceID: sourceID, to: statement, at: Int32(index - start) * Self.columnCount)
            }
            try statement.run()
            try insertTexts(events, rows: rows[start..<end], firstID: id, sourceID: sourceID)
            id += Int64(end - start)
            start = end
        }
        nextID = id
    }

    /// The text rows of a chunk's events that have any, in one statement, in the
    /// order and with the frames one statement per row gave them.
    private func insertTexts(
        _ events: UnsafeBufferPointer<InferenceEvent>, rows: ArraySlice<EventRow>, firstID: Int64, sourceID: Int64?
    ) throws {
        var count = 0
        for row in rows {
            let event = events.baseAddress! + row.position
            if event.pointee.prompt != nil || event.pointee.response != nil || event.pointee.context != nil {
                count += 1
            }
        }
        guard count > 0 else { return }
        let statement = try insertTexts(count)
        var offset: Int32 = 0
        for (index, row) in zip(rows.indices, rows) {
            let event = events.baseAddress! + row.position
            guard event.pointee.prompt != nil || event.pointee.response != nil || event.pointee.context != nil
            else { continue }
            let eventID = firstID + Int64(index - rows.startIndex)
            statement.bind(offset + 1, eventID)
            try bindText(event.pointee.prompt, .prompt, of: eventID, sourceID, to: statement, at: offset + 2)
            try bindText(event.pointee.response, .response, of: eventID, sourceID, to: statement, at: offset + 3)
            try bindText(event.pointee.context, .context, of: eventID, sourceID, to: statement, at: offset + 4)
            offset += 4
        }
        try statement.run()
    }

    /// Binds one row's columns after `offset`. Every parameter is bound anew each
    /// time, and `run()` resets the statement after its step, so nothing is cleared.
    /// Through a pointer the fields are read in place; a value parameter would
    /// copy the event and retain every string in it.
    private func bind(
        _ event: UnsafePointer<InferenceEvent>, id: Int64, keyID: Int64, sourceID: Int64?, to statement: Statement,
        at offset: Int32
    ) throws {
        statement.bind(offset + 1, id)
        statement.bind(offset + 2, event.pointee.timestamp)
        statement.bind(offset + 3, keyID)
        statement.bind(offset + 4, sourceID)
        statement.bind(offset + 5, event.pointee.requestID)
        statement.bind(offset + 6, event.pointee.errorType)
        statement.bind(offset + 7, event.pointee.latency)
        statement.bind(offset + 8, event.pointee.timeToFirstToken)
        statement.bind(offset + 9, event.pointee.promptTokens)
        statement.bind(offset + 10, event.pointee.completionTokens)
        statement.bind(offset + 11, event.pointee.cachedTokens)
        statement.bind(offset + 12, event.pointee.reasoningTokens)
        statement.bind(offset + 13, event.pointee.cost)
        statement.bind(offset + 14, event.pointee.finishReason)
        statement.bind(offset + 15, event.pointee.streamed)
        bind(event.pointee.prediction, to: statement, at: offset + 16)
        bind(event.pointee.label, to: statement, at: offset + 17)
        statement.bind(offset + 18, event.pointee.feedback)
        statement.bind(offset + 19, event.pointee.features.isEmpty ? nil : featuresJSON(event.pointee.features))
        try bindText(event.pointee.attributes, .attributes, of: id, sourceID, to: statement, at: offset + 20)
        statement.bind(offset + 21, event.pointee.cacheWriteTokens)
    }

    /// Long text as a zstd frame when that is smaller, with the dictionary of its
    /// source and kind once there is one (see `TextCompression`, `TextDictionaries`).
    private func bindText(
        _ text: String?, _ kind: TextKind, of eventID: Int64, _ sourceID: Int64?, to statement: Statement,
        at index: Int32
    ) throws {
        if let text, let frame = try texts.compress(text, kind: kind, source: sourceID, eventID: eventID) {
            statement.bind(index, blob: frame)
        } else {
            statement.bind(index, text)
        }
    }

    private func bind(_ value: FeatureValue?, to statement: Statement, at index: Int32) {
        switch value {
        case .number(let number): statement.bind(index, number)
        case .category(let text): statement.bind(index, text)
        case nil: statement.bind(index, nil as String?)
        }
    }
}
