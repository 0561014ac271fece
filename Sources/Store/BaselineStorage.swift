public import InfermonCore

extension SQLiteStore: DriftBaselineStore {
    public func saveBaseline(_ baseline: DriftBaseline) async throws {
        let data = BaselineCodec.encode(baseline.columns)
        let events = baseline.columns.reduce(0) { $0 + $1.count }
        let name = baseline.name
        let from = baseline.from
        let through = baseline.through
        let created = baseline.createdAt
        try await onWriter { writer in
            let statement = try writer.connection.prepare(
                """
                INSERT INTO drift_baselines (name, from_ts, through_ts, created_at, events, data)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET from_ts = excluded.from_ts, through_ts = excluded.through_ts,
                  created_at = excluded.created_at, events = excluded.events, data = excluded.data
                """)
            statement.bind(1, name)
            statement.bind(2, from)
            statement.bind(3, through)
            statement.bind(4, created)
            statement.bind(5, events)
            statement.bind(6, blob: data)
            try statement.run()
        }
    }

    public func baseline(named name: String) throws -> DriftBaseline? {
        try withReadConnection { connection in
            let statement = try connection.prepare(
                "SELECT from_ts, through_ts, created_at, data FROM drift_baselines WHERE name = ?")
            statement.bind(1, name)
            guard try statement.step() else { return nil }
            return DriftBaseline(
                name: name, from: statement.int64(0), through: statement.int64(1), createdAt: statement.int64(2),
                columns: try BaselineCodec.decode(statement.blob(3)))
        }
    }

    public func baselines() throws -> [DriftBaselineInfo] {
        try withReadConnection { connection in
            let statement = try connection.prepare(
                "SELECT name, from_ts, through_ts, created_at, events FROM drift_baselines ORDER BY name")
            var result: [DriftBaselineInfo] = []
            while try statement.step() {
                result.append(
                    DriftBaselineInfo(
                        name: statement.string(0), from: statement.int64(1), through: statement.int64(2),
                        createdAt: statement.int64(3), events: Int(statement.int64(4))))
            }
            return result
        }
    }
}
