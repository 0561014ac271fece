/// HELP texts for infermon's own metrics. swift-metrics has no place for help
/// text, so `/metrics` adds them to the registry's output; a metric missing here
/// still gets a line derived from its name, so the exposition always lints clean.
enum MetricHelp {
    static let texts: [String: String] = [
        "infermon_collector_ingested_events": "Events ingested by each file source since the daemon started.",
        "infermon_collector_rejected_lines":
            "Lines each file source sent to the dead-letter table since the daemon started.",
        "infermon_collector_lag_bytes": "Bytes of each followed file not yet ingested.",
        "infermon_config_last_reload_successful":
            "Whether the last configuration reload succeeded (1) or was refused (0).",
        "infermon_config_last_reload_success_timestamp_seconds": "When the configuration was last loaded successfully.",
        "infermon_ingest_queue_depth": "Pushed events waiting for the store writer.",
        "infermon_component_up":
            "Whether each long-running component (file sources) works (1) or is failing and retrying (0).",
        "infermon_push_accepted_events_total": "Events accepted over HTTP and OTLP push, by source.",
        "infermon_push_rejected_events_total": "Pushed events rejected as malformed, by source.",
        "infermon_push_throttled_requests_total": "Push requests answered 429 because the ingest queue was full.",
        "infermon_otlp_ignored_spans_total": "OTLP spans received without gen_ai attributes (not model calls).",
        "infermon_scrape_up": "Whether the last scrape of each target succeeded.",
        "infermon_store_size_bytes": "Size of the SQLite database and its write-ahead log.",
        "infermon_events_expired_on_arrival_total":
            "Events older than the event retention when they arrived, by source: kept in rollups, raw rows removed.",
        "infermon_notifications_delivered": "Notifications delivered (2xx) per integration since the daemon started.",
        "infermon_notifications_failed_attempts":
            "Failed delivery attempts (to be retried) per integration since the daemon started.",
        "infermon_notifications_dead_lettered": "Notifications given up after their TTL, per integration, ever.",
        "infermon_remote_storage_samples_total": "Samples acknowledged (2xx) by each remote write endpoint.",
        "infermon_remote_storage_bytes_total": "Compressed request bytes acknowledged by each remote write endpoint.",
        "infermon_remote_storage_retried_samples_total":
            "Samples in remote write requests that failed (5xx, 429, no answer) and are retried.",
        "infermon_remote_storage_failed_samples_total":
            "Samples a remote write endpoint refused for good (4xx other than 429): dropped.",
        "infermon_remote_storage_dropped_samples_total":
            "Samples dropped from the remote write queue because it was over its capacity.",
        "infermon_remote_storage_pending_samples":
            "Samples queued for each remote write endpoint, not yet acknowledged.",
        "infermon_remote_storage_highest_timestamp_in_seconds":
            "Time of the newest sample each remote write endpoint acknowledged.",
        "infermon_remote_storage_sent_batch_duration_seconds": "Duration of each acknowledged remote write request.",
    ]

    /// Inserts `# HELP` before every `# TYPE` line that lacks one.
    static func annotate(_ exposition: String) -> String {
        var out = ""
        out.reserveCapacity(exposition.utf8.count + 1024)
        var previous: Substring = ""
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), !previous.hasPrefix("# HELP ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                out += "# HELP \(name) \(texts[String(name)] ?? derived(String(name)))\n"
            }
            out += line
            out += "\n"
            previous = line
        }
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    /// `infermon_judge_calls_total` → "infermon judge calls total."
    static func derived(_ name: String) -> String {
        name.split(separator: "_").joined(separator: " ") + "."
    }
}
