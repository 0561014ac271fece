import InfermonCore

/// Turns the series read for one span into queued batches for one endpoint:
/// external labels added where a series lacks them (the series' own value
/// wins, as in Prometheus), `write_relabel_configs` applied, then samples cut
/// into requests of at most `maxSamplesPerSend`, each encoded and compressed
/// once. A series split over two requests keeps its samples in time order,
/// since requests leave in queue order.
struct BatchBuilder: Sendable {
    let externalLabels: Labels
    let relabel: [WriteRelabelRule]
    let maxSamplesPerSend: Int

    struct Result {
        var batches: [RemoteWriteBatch] = []
        /// Samples of series `write_relabel_configs` dropped.
        var filteredSamples = 0
    }

    func build(_ series: [Series]) -> Result {
        var result = Result()
        var pending: [Series] = []
        var pendingSamples = 0
        func flush() {
            guard pendingSamples > 0 else { return }
            let highest = pending.map { $0.samples.last?.timestamp ?? .min }.max() ?? .min
            result.batches.append(
                RemoteWriteBatch(
                    samples: pendingSamples, highestTimestamp: highest,
                    body: Snappy.compress(WriteRequestEncoder.encode(pending))))
            pending.removeAll(keepingCapacity: true)
            pendingSamples = 0
        }
        for entry in series {
            let labels = withExternalLabels(entry.labels)
            guard relabel.admit(labels) else {
                result.filteredSamples += entry.samples.count
                continue
            }
            var rest = entry.samples[...]
            while !rest.isEmpty {
                let part = rest.prefix(maxSamplesPerSend - pendingSamples)
                pending.append(Series(labels: labels, samples: Array(part)))
                pendingSamples += part.count
                rest = rest.dropFirst(part.count)
                if pendingSamples >= maxSamplesPerSend { flush() }
            }
        }
        flush()
        return result
    }

    private func withExternalLabels(_ labels: Labels) -> Labels {
        var result = labels
        for label in externalLabels where labels[label.name] == nil {
            result = result.setting(label.name, to: label.value)
        }
        return result
    }
}
