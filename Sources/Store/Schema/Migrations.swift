import InfermonCore

/// The schema, as an ordered list of migrations; `PRAGMA user_version` records
/// how many have run. Never edit a shipped step: append a new one.
enum Migrations {
    static let steps: [String] = [
        // 1: events, rollups, named series, dead letters, checkpoints.
        """
        CREATE TABLE sources (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE
        );
        CREATE TABLE event_keys (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            model_version TEXT NOT NULL,
            route TEXT NOT NULL,
            tenant TEXT NOT NULL,
            status TEXT NOT NULL,
            first_bucket INTEGER NOT NULL,
            UNIQUE (model, model_version, route, tenant, status)
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts INTEGER NOT NULL,
            key_id INTEGER NOT NULL,
            source_id INTEGER,
            request_id TEXT,
            error_type TEXT,
            latency REAL,
            ttft REAL,
            prompt_tokens INTEGER,
            completion_tokens INTEGER,
            cached_tokens INTEGER,
            reasoning_tokens INTEGER,
            cost REAL,
            finish_reason TEXT,
            streamed INTEGER,
            prediction ANY,
            label ANY,
            feedback REAL,
            features TEXT,
            attributes TEXT
        );
        CREATE INDEX events_ts ON events (ts);
        CREATE TABLE event_texts (
            event_id INTEGER PRIMARY KEY,
            prompt TEXT,
            response TEXT,
            context TEXT
        );
        CREATE TABLE rollups (
            key_id INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            last_ts INTEGER NOT NULL,
            requests INTEGER NOT NULL,
            latency_count INTEGER NOT NULL,
            latency_sum REAL NOT NULL,
            latency_buckets BLOB NOT NULL,
            ttft_count INTEGER NOT NULL,
            ttft_sum REAL NOT NULL,
            ttft_buckets BLOB NOT NULL,
            input_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            cached_tokens INTEGER NOT NULL,
            reasoning_tokens INTEGER NOT NULL,
            cost REAL NOT NULL,
            costed_requests INTEGER NOT NULL,
            PRIMARY KEY (key_id, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE rollup_sketches (
            key_id INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            latency_sketch BLOB,
            ttft_sketch BLOB,
            tpot_sketch BLOB,
            input_tokens_sketch BLOB,
            output_tokens_sketch BLOB,
            PRIMARY KEY (key_id, bucket)
        ) WITHOUT ROWID;
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            labels TEXT NOT NULL UNIQUE
        );
        CREATE INDEX series_name ON series (name);
        CREATE TABLE chunks (
            series_id INTEGER NOT NULL,
            start_ts INTEGER NOT NULL,
            end_ts INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (series_id, start_ts)
        ) WITHOUT ROWID;
        CREATE TABLE dead_letters (
            id INTEGER PRIMARY KEY,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            location TEXT NOT NULL,
            line INTEGER NOT NULL,
            kind TEXT NOT NULL,
            reason TEXT NOT NULL,
            excerpt BLOB NOT NULL
        );
        CREATE INDEX dead_letters_time ON dead_letters (received_at);
        CREATE TABLE checkpoints (
            source TEXT NOT NULL,
            input_key TEXT NOT NULL,
            path TEXT NOT NULL,
            byte_offset INTEGER NOT NULL,
            line INTEGER NOT NULL,
            fingerprint INTEGER NOT NULL,
            fingerprint_length INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (source, input_key)
        );
        CREATE TABLE settings (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        // 2: request ids of pushed events, so a retried push is not stored twice.
        """
        CREATE TABLE request_ids (
            request_id TEXT PRIMARY KEY,
            ts INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX request_ids_ts ON request_ids (ts);
        """,
        // 3: notification outbox, its dead letters and counters, notification log, silences.
        """
        CREATE TABLE notification_outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            integration TEXT NOT NULL,
            group_key TEXT NOT NULL,
            body BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT
        );
        CREATE INDEX notification_outbox_integration ON notification_outbox (integration, seq);
        CREATE TABLE notification_dead_letters (
            id TEXT PRIMARY KEY,
            integration TEXT NOT NULL,
            group_key TEXT NOT NULL,
            body BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            failed_at INTEGER NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX notification_dead_letters_time ON notification_dead_letters (failed_at);
        CREATE TABLE notification_counters (
            integration TEXT PRIMARY KEY,
            dead_lettered INTEGER NOT NULL
        );
        CREATE TABLE notification_log (
            group_key TEXT NOT NULL,
            integration TEXT NOT NULL,
            sent_at INTEGER NOT NULL,
            firing BLOB NOT NULL,
            resolved BLOB NOT NULL,
            PRIMARY KEY (group_key, integration)
        ) WITHOUT ROWID;
        CREATE TABLE silences (
            id TEXT PRIMARY KEY,
            matchers TEXT NOT NULL,
            starts_at INTEGER NOT NULL,
            ends_at INTEGER NOT NULL,
            created_by TEXT NOT NULL,
            comment TEXT NOT NULL,
            updated_at INTEGER NOT NULL
        );
        """,
        // 4: named drift baselines: a snapshot of event columns, kept past event retention.
        """
        CREATE TABLE drift_baselines (
            name TEXT PRIMARY KEY,
            from_ts INTEGER NOT NULL,
            through_ts INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            events INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        """,
        // 5: judgments of sampled events (quality), and the sampler's scan cursors.
        """
        CREATE TABLE judgments (
            event_id INTEGER NOT NULL,
            judge TEXT NOT NULL,
            request_id TEXT NOT NULL,
            event_ts INTEGER NOT NULL,
            judged_at INTEGER NOT NULL,
            model TEXT NOT NULL,
            route TEXT NOT NULL,
            verdict TEXT NOT NULL,
            score REAL,
            reason TEXT NOT NULL,
            cost REAL NOT NULL,
            failed INTEGER NOT NULL,
            PRIMARY KEY (event_id, judge)
        );
        CREATE INDEX judgments_event_time ON judgments (event_ts);
        CREATE INDEX judgments_judge_time ON judgments (judge, judged_at);
        CREATE TABLE judge_cursors (
            name TEXT PRIMARY KEY,
            event_id INTEGER NOT NULL
        );
        """,
        // 6: alert states of the rule engine, so a restart keeps firing alerts and unsent resolves.
        """
        CREATE TABLE alert_states (
            group_key TEXT NOT NULL,
            rule TEXT NOT NULL,
            occurrence INTEGER NOT NULL,
            labels TEXT NOT NULL,
            annotations TEXT NOT NULL,
            state TEXT NOT NULL,
            active_at INTEGER NOT NULL,
            fired_at INTEGER,
            resolved_at INTEGER,
            keep_firing_since INTEGER,
            last_sent_at INTEGER,
            valid_until INTEGER,
            PRIMARY KEY (group_key, rule, occurrence, labels)
        ) WITHOUT ROWID;
        """,
        // 7: prompt tokens written to the provider's cache (priced at the cache-write rate).
        "ALTER TABLE events ADD COLUMN cache_write_tokens INTEGER;",
        // 8: events that arrived already older than the event retention, per source:
        // their rollups keep them, their raw rows are gone at the next retention pass.
        """
        CREATE TABLE expired_on_arrival (
            source TEXT PRIMARY KEY,
            events INTEGER NOT NULL,
            last_cutoff INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 9: truth labels (gold verdicts, delayed ground truth) joined to events by request id,
        // the judgments' request ids to join them on, and per-route scorer calibrations.
        """
        CREATE TABLE truth_labels (
            request_id TEXT NOT NULL,
            name TEXT NOT NULL,
            source TEXT NOT NULL,
            value ANY,
            received_at INTEGER NOT NULL,
            PRIMARY KEY (request_id, name, source)
        ) WITHOUT ROWID;
        CREATE INDEX truth_labels_received ON truth_labels (received_at);
        CREATE INDEX judgments_request ON judgments (request_id);
        CREATE TABLE score_calibrations (
            model TEXT NOT NULL,
            route TEXT NOT NULL,
            document TEXT NOT NULL,
            fitted_at INTEGER NOT NULL,
            PRIMARY KEY (model, route)
        ) WITHOUT ROWID;
        """,
        // 10: remote write: compressed batches waiting for each endpoint, and each endpoint's
        // cursor (every sample stamped before it is queued), changed in one transaction.
        """
        CREATE TABLE remote_write_queue (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            endpoint TEXT NOT NULL,
            samples INTEGER NOT NULL,
            highest_ts INTEGER NOT NULL,
            body BLOB NOT NULL
        );
        CREATE INDEX remote_write_queue_endpoint ON remote_write_queue (endpoint, id);
        CREATE TABLE remote_write_cursors (
            endpoint TEXT PRIMARY KEY,
            cursor INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 11: model performance: prediction events found by request id (a partial index, so
        // events without a prediction, every LLM call, pay nothing for it), and samples of
        // series that late labels rewrite in the past (one row per sample, replaced in place).
        """
        CREATE INDEX events_prediction_request ON events (request_id)
            WHERE prediction IS NOT NULL AND request_id IS NOT NULL;
        CREATE TABLE backfilled_samples (
            series_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (series_id, ts)
        ) WITHOUT ROWID;
        """,
        // 12: closed hours of rollup rows, column by column (`RollupBlock`), for long counter
        // reads; copies of `rollups` rows, which stay. The writer fills it from existing rows.
        """
        -- The rowid is key_id << 22 | hours since the epoch (`RollupBlock.id`): a rowid table keeps
        -- blobs of several kilobytes on its pages, where WITHOUT ROWID spills them to overflow pages.
        CREATE TABLE rollup_blocks (
            id INTEGER PRIMARY KEY,
            key_id INTEGER NOT NULL,
            start INTEGER NOT NULL,
            rows INTEGER NOT NULL,
            data BLOB NOT NULL
        );
        """,
        // 13: zstd dictionaries of stored texts, per source and kind of text (`TextDictionaries`);
        // a frame's header names its dictionary's dict_id. A replaced one gets `retired_after`
        // (the last event id that used it) and is deleted once no such event is left.
        """
        CREATE TABLE text_dictionaries (
            dict_id INTEGER PRIMARY KEY,
            source_id INTEGER,
            kind TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            ratio REAL NOT NULL,
            retired_after INTEGER,
            bytes BLOB NOT NULL
        );
        """,
    ]

    static var currentVersion: Int { steps.count }

    /// Runs the missing steps, each in its own transaction with the version bump,
    /// so a crash mid-migration leaves the previous version intact.
    static func migrate(_ connection: SQLiteConnection) throws {
        let version = Int(try connection.scalarInt("PRAGMA user_version"))
        guard version <= steps.count else {
            throw InfermonError.storage(
                "\(connection.path) has schema version \(version), newer than this infermon (\(steps.count)); upgrade infermon"
            )
        }
        for index in version..<steps.count {
            try connection.transaction {
                try connection.execute(steps[index])
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
