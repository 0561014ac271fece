/// The PostgreSQL schema as an ordered list of migrations; `schema_version`
/// records how many have run. Never edit a shipped step: append a new one.
///
/// The logical schema is SQLite's, with three differences that come from many
/// writers sharing it: raw events live in one partition per UTC day (retention
/// drops whole partitions), rollup rows hold each interval's own counts (not
/// running totals), which writers add to, and each interval's sketches are
/// merged into under a row lock, so several daemons can count the same label
/// set in the same interval.
enum PostgresSchema {
    /// Held (session-level) while migrating, so daemons starting together migrate once.
    static let migrationLock: Int64 = 0x696E_6665_726D_0001
    /// Held (transaction-level) while creating a day partition.
    static let partitionLock: Int64 = 0x696E_6665_726D_0002
    /// Held (session-level, on a connection of its own) by the one daemon that evaluates and notifies.
    static let evaluatorLock: Int64 = 0x696E_6665_726D_0003

    static let steps: [String] = [
        // 1: events, rollups, named series, dead letters, checkpoints, settings.
        """
        CREATE TABLE settings (
            name text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE sources (
            id bigserial PRIMARY KEY,
            name text NOT NULL UNIQUE
        );
        CREATE TABLE event_keys (
            id bigserial PRIMARY KEY,
            model text NOT NULL,
            model_version text NOT NULL,
            route text NOT NULL,
            tenant text NOT NULL,
            status text NOT NULL,
            first_bucket bigint NOT NULL,
            UNIQUE (model, model_version, route, tenant, status)
        );
        CREATE SEQUENCE events_id_seq;
        CREATE TABLE events (
            id bigint NOT NULL DEFAULT nextval('events_id_seq'),
            ts bigint NOT NULL,
            key_id bigint NOT NULL,
            source_id bigint,
            request_id text,
            error_type text,
            latency double precision,
            ttft double precision,
            prompt_tokens bigint,
            completion_tokens bigint,
            cached_tokens bigint,
            reasoning_tokens bigint,
            cache_write_tokens bigint,
            cost double precision,
            finish_reason text,
            streamed boolean,
            prediction_number double precision,
            prediction_text text,
            label_number double precision,
            label_text text,
            feedback double precision,
            features text,
            attributes text,
            prompt text,
            response text,
            context text
        ) PARTITION BY RANGE (ts);
        CREATE INDEX events_key_ts ON events (key_id, ts);
        CREATE INDEX events_ts ON events (ts);
        CREATE TABLE request_ids (
            request_id text PRIMARY KEY,
            ts bigint NOT NULL
        );
        CREATE INDEX request_ids_ts ON request_ids (ts);
        CREATE TABLE rollups (
            key_id bigint NOT NULL,
            bucket bigint NOT NULL,
            last_ts bigint NOT NULL,
            requests bigint NOT NULL,
            latency_count bigint NOT NULL,
            latency_sum double precision NOT NULL,
            latency_bins bigint[] NOT NULL,
            ttft_count bigint NOT NULL,
            ttft_sum double precision NOT NULL,
            ttft_bins bigint[] NOT NULL,
            input_tokens bigint NOT NULL,
            output_tokens bigint NOT NULL,
            cached_tokens bigint NOT NULL,
            reasoning_tokens bigint NOT NULL,
            cost double precision NOT NULL,
            costed_requests bigint NOT NULL,
            PRIMARY KEY (key_id, bucket)
        );
        CREATE TABLE rollup_sketches (
            key_id bigint NOT NULL,
            bucket bigint NOT NULL,
            latency_sketch bytea,
            ttft_sketch bytea,
            tpot_sketch bytea,
            input_tokens_sketch bytea,
            output_tokens_sketch bytea,
            PRIMARY KEY (key_id, bucket)
        );
        CREATE TABLE series (
            id bigserial PRIMARY KEY,
            name text NOT NULL,
            labels text NOT NULL UNIQUE,
            label_names text[] NOT NULL,
            label_values text[] NOT NULL
        );
        CREATE INDEX series_name ON series (name);
        CREATE TABLE samples (
            series_id bigint NOT NULL,
            ts bigint NOT NULL,
            value double precision NOT NULL,
            PRIMARY KEY (series_id, ts)
        );
        CREATE INDEX samples_ts ON samples (ts);
        CREATE TABLE dead_letters (
            id bigserial PRIMARY KEY,
            received_at bigint NOT NULL,
            source text NOT NULL,
            location text NOT NULL,
            line bigint NOT NULL,
            kind text NOT NULL,
            reason text NOT NULL,
            excerpt bytea NOT NULL,
            host text NOT NULL
        );
        CREATE INDEX dead_letters_time ON dead_letters (received_at);
        CREATE TABLE checkpoints (
            host text NOT NULL,
            source text NOT NULL,
            input_key text NOT NULL,
            path text NOT NULL,
            byte_offset bigint NOT NULL,
            line bigint NOT NULL,
            fingerprint bigint NOT NULL,
            fingerprint_length bigint NOT NULL,
            updated_at bigint NOT NULL,
            PRIMARY KEY (host, source, input_key)
        );
        CREATE TABLE expired_on_arrival (
            source text PRIMARY KEY,
            events bigint NOT NULL,
            last_cutoff bigint NOT NULL,
            updated_at bigint NOT NULL
        );
        -- Element-wise sum of two bin arrays (a missing one counts as zeros), and its aggregate.
        CREATE FUNCTION infermon_add_bins(a bigint[], b bigint[]) RETURNS bigint[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a ELSE
              ARRAY(SELECT COALESCE(x, 0) + COALESCE(y, 0) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i)
            END
        $$;
        CREATE AGGREGATE infermon_sum_bins(bigint[]) (SFUNC = infermon_add_bins, STYPE = bigint[]);
        """,
        // 2: what the elected evaluator keeps (alert states, outbox, notification log, silences)
        // and drift baselines: SQLite's tables, shared by every daemon.
        """
        CREATE TABLE alert_states (
            group_key text NOT NULL,
            rule text NOT NULL,
            occurrence bigint NOT NULL,
            labels text NOT NULL,
            annotations text NOT NULL,
            state text NOT NULL,
            active_at bigint NOT NULL,
            fired_at bigint,
            resolved_at bigint,
            keep_firing_since bigint,
            last_sent_at bigint,
            valid_until bigint,
            PRIMARY KEY (group_key, rule, occurrence, labels)
        );
        CREATE TABLE notification_outbox (
            seq bigserial PRIMARY KEY,
            id text NOT NULL UNIQUE,
            integration text NOT NULL,
            group_key text NOT NULL,
            body bytea NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            attempts bigint NOT NULL,
            next_attempt_at bigint NOT NULL,
            last_error text
        );
        CREATE INDEX notification_outbox_integration ON notification_outbox (integration, seq);
        CREATE TABLE notification_dead_letters (
            seq bigserial PRIMARY KEY,
            id text NOT NULL UNIQUE,
            integration text NOT NULL,
            group_key text NOT NULL,
            body bytea NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL,
            attempts bigint NOT NULL,
            next_attempt_at bigint NOT NULL,
            last_error text,
            failed_at bigint NOT NULL,
            reason text NOT NULL
        );
        CREATE TABLE notification_counters (
            integration text PRIMARY KEY,
            dead_lettered bigint NOT NULL
        );
        CREATE TABLE notification_log (
            group_key text NOT NULL,
            integration text NOT NULL,
            sent_at bigint NOT NULL,
            firing bytea NOT NULL,
            resolved bytea NOT NULL,
            PRIMARY KEY (group_key, integration)
        );
        CREATE TABLE silences (
            seq bigserial,
            id text PRIMARY KEY,
            matchers text NOT NULL,
            starts_at bigint NOT NULL,
            ends_at bigint NOT NULL,
            created_by text NOT NULL,
            comment text NOT NULL,
            updated_at bigint NOT NULL
        );
        CREATE TABLE drift_baselines (
            name text PRIMARY KEY,
            from_ts bigint NOT NULL,
            through_ts bigint NOT NULL,
            created_at bigint NOT NULL,
            events bigint NOT NULL,
            data bytea NOT NULL
        );
        """,
        // 3: quality and delayed ground truth: truth labels joined to events by request id
        // (a value is a number or a text, one column each; a boolean sets both, 1/0 and
        // 'true'/'false', see `PostgresStore.truthLabelValue`), judgments of sampled events,
        // the sampler's scan cursors, and per-route scorer calibrations. As in SQLite's
        // migrations 5 and 9; judgments are written by the evaluator only. The sampler
        // scans events by id (SQLite's rowid), hence `events_id`, and never past an id
        // fence some writer may still commit below (`judge_scan_fences`, see `scanEvents`).
        """
        CREATE TABLE truth_labels (
            request_id text NOT NULL,
            name text NOT NULL,
            source text NOT NULL,
            value_number double precision,
            value_text text,
            received_at bigint NOT NULL,
            PRIMARY KEY (request_id, name, source)
        );
        CREATE INDEX truth_labels_received ON truth_labels (received_at);
        CREATE TABLE judgments (
            event_id bigint NOT NULL,
            judge text NOT NULL,
            request_id text NOT NULL,
            event_ts bigint NOT NULL,
            judged_at bigint NOT NULL,
            model text NOT NULL,
            route text NOT NULL,
            verdict text NOT NULL,
            score double precision,
            reason text NOT NULL,
            cost double precision NOT NULL,
            failed boolean NOT NULL,
            PRIMARY KEY (event_id, judge)
        );
        CREATE INDEX judgments_event_time ON judgments (event_ts);
        CREATE INDEX judgments_judge_time ON judgments (judge, judged_at);
        CREATE INDEX judgments_request ON judgments (request_id);
        CREATE TABLE judge_cursors (
            name text PRIMARY KEY,
            event_id bigint NOT NULL
        );
        CREATE INDEX events_id ON events (id);
        CREATE TABLE judge_scan_fences (
            event_id bigint NOT NULL,
            xid_fence bigint NOT NULL
        );
        CREATE TABLE score_calibrations (
            model text NOT NULL,
            route text NOT NULL,
            document text NOT NULL,
            fitted_at bigint NOT NULL,
            PRIMARY KEY (model, route)
        );
        """,
        // 4: model performance: prediction events found by request id, for late labels
        // (partial, so events without a prediction, every LLM call, pay nothing for it).
        // Backfilled samples need no table: `samples` takes writes at any time.
        """
        CREATE INDEX events_prediction_request ON events (request_id)
            WHERE request_id IS NOT NULL AND (prediction_number IS NOT NULL OR prediction_text IS NOT NULL);
        """,
        // 5: remote write's durable queue (compressed batches per endpoint, sent in id
        // order) and each endpoint's cursor, as in SQLite's migration 10; written by the
        // evaluator only, so the next one resumes where the last stopped.
        """
        CREATE TABLE remote_write_queue (
            id bigserial PRIMARY KEY,
            endpoint text NOT NULL,
            samples bigint NOT NULL,
            highest_ts bigint NOT NULL,
            body bytea NOT NULL
        );
        CREATE INDEX remote_write_queue_endpoint ON remote_write_queue (endpoint, id);
        CREATE TABLE remote_write_cursors (
            endpoint text PRIMARY KEY,
            cursor bigint NOT NULL
        );
        """,
        // 6: day partitions made by a function that runs with its owner's rights, so a role
        // that may write rows but not change the schema stores events of a day no one wrote
        // yet (only a role that may insert events: the rest are refused as their insert would be).
        // Its owner's schema and search path are fixed, so callers cannot redirect it.
        """
        CREATE FUNCTION infermon_create_event_partition(day bigint, name text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
        BEGIN
            IF day % 86400000 <> 0 OR name !~ '^events_[mp][0-9]{8,}$' THEN
                RAISE EXCEPTION 'not an events day partition: % at %', name, day;
            END IF;
            IF to_regclass(format('%I.%I', current_schema(), name)) IS NOT NULL THEN
                RETURN;
            END IF;
            IF NOT has_table_privilege(session_user, format('%I.events', current_schema()), 'INSERT') THEN
                RAISE EXCEPTION 'permission denied for table events' USING ERRCODE = 'insufficient_privilege';
            END IF;
            PERFORM pg_advisory_xact_lock(\(partitionLock));
            EXECUTE format('CREATE TABLE IF NOT EXISTS %I.%I PARTITION OF %I.events FOR VALUES FROM (%s) TO (%s)',
                current_schema(), name, current_schema(), day, day + 86400000);
        END
        $$;
        """,
    ]
}
