/// The context and prompt of one event, indexed for claim-level support: which
/// context sentences hold each comparison key, which numbers the context pairs
/// with which words, and where it negates. A claim is checked against the best
/// window of a few consecutive context sentences rather than against the whole
/// context at once, so a summary sentence stitched from words found in
/// unrelated paragraphs no longer counts as supported.
struct SupportIndex {
    /// Key -> indices of the context sentences that contain it, ascending, no repeats.
    private(set) var postings: [String: [Int]] = [:]
    private(set) var sentenceCount = 0
    /// Keys of the prompt (question, dialogue history): a response may restate them anywhere.
    private(set) var promptKeys: Set<String> = []
    /// Context sentences that contain a negation.
    private(set) var negatedSentences: Set<Int> = []
    /// Stem of the word right after a number -> the numbers the context states with it
    /// ("31 hotels" -> hotel: {#31}), to tell a contradicted number from a merely absent one.
    private(set) var numbersByFollower: [String: Set<String>] = [:]
    /// Distinct content keys of the context, for abstaining when there is too little to judge.
    var contextContentKeys: Int { postings.count }

    init(context: String, prompt: String?) {
        let sentences = TextUnits.sentences(context)
        sentenceCount = sentences.count
        for (index, sentence) in sentences.enumerated() {
            for (position, token) in sentence.enumerated() {
                if Self.negations.contains(token.normalized) { negatedSentences.insert(index) }
                guard ClaimSplitter.isContent(token) else { continue }
                let tokenKey = Self.key(token)
                if postings[tokenKey]?.last != index { postings[tokenKey, default: []].append(index) }
                if tokenKey.hasPrefix("#"), let follower = Self.follower(of: position, in: sentence) {
                    numbersByFollower[follower.stem, default: []].insert(tokenKey)
                }
            }
        }
        for sentence in TextUnits.sentences(prompt ?? "") {
            for token in sentence where ClaimSplitter.isContent(token) { promptKeys.insert(Self.key(token)) }
        }
    }

    func contains(_ key: String) -> Bool { promptKeys.contains(key) || postings[key] != nil }

    /// The window of `width` consecutive context sentences that supports the
    /// most claim weight (prompt keys count in every window), that weight, and
    /// the single sentence that supports the most (nil when none does) with its weight.
    func bestWindow(keys: [(key: String, weight: Double)], width: Int) -> (
        start: Int, weight: Double, sentence: Int?, sentenceWeight: Double
    ) {
        var promptWeight = 0.0
        var sentenceWeights: [Int: Double] = [:]
        // Windows [start, start + width); a key counts once per window however often it occurs there.
        let windows = max(1, sentenceCount - width + 1)
        var windowWeights: [Int: Double] = [:]
        var lastKey: [Int: Int] = [:]
        for (keyIndex, entry) in keys.enumerated() {
            if promptKeys.contains(entry.key) {
                promptWeight += entry.weight
                continue
            }
            guard let sentences = postings[entry.key] else { continue }
            for sentence in sentences {
                sentenceWeights[sentence, default: 0] += entry.weight
                let first = max(0, sentence - width + 1)
                let last = min(windows - 1, sentence)
                guard first <= last else { continue }
                for start in first...last where lastKey[start] != keyIndex {
                    lastKey[start] = keyIndex
                    windowWeights[start, default: 0] += entry.weight
                }
            }
        }
        guard !windowWeights.isEmpty else { return (0, promptWeight, nil, 0) }
        let best = windowWeights.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!
        var bestSentence: (index: Int, weight: Double)?
        for sentence in best.key..<(best.key + width) {
            if let weight = sentenceWeights[sentence], weight > (bestSentence?.weight ?? 0) {
                bestSentence = (sentence, weight)
            }
        }
        return (best.key, best.value + promptWeight, bestSentence?.index, (bestSentence?.weight ?? 0) + promptWeight)
    }

    /// Up to `count` context sentences, not necessarily neighbours, chosen
    /// greedily to support the most claim weight together (prompt keys count
    /// always): how a summary sentence that fuses two or three sentences of a
    /// document is supported. The weight counts each key once.
    func bestCover(keys: [(key: String, weight: Double)], count: Int) -> (weight: Double, sentences: [Int]) {
        var promptWeight = 0.0
        var keysBySentence: [Int: [Int]] = [:]
        for (keyIndex, entry) in keys.enumerated() {
            if promptKeys.contains(entry.key) {
                promptWeight += entry.weight
                continue
            }
            for sentence in postings[entry.key] ?? [] { keysBySentence[sentence, default: []].append(keyIndex) }
        }
        var covered = Set<Int>()
        var chosen: [Int] = []
        var weight = promptWeight
        for _ in 0..<count {
            var best: (sentence: Int, gain: Double)?
            for (sentence, keyIndices) in keysBySentence {
                let gain = keyIndices.reduce(0.0) { $0 + (covered.contains($1) ? 0 : keys[$1].weight) }
                if gain > (best?.gain ?? 0) || (gain > 0 && gain == best?.gain && sentence < best!.sentence) {
                    best = (sentence, gain)
                }
            }
            guard let best else { break }
            chosen.append(best.sentence)
            weight += best.gain
            covered.formUnion(keysBySentence[best.sentence]!)
            keysBySentence[best.sentence] = nil
        }
        return (weight, chosen)
    }

    /// Whether any sentence of the window negates.
    func negates(windowStart: Int, width: Int) -> Bool {
        (windowStart..<(windowStart + width)).contains(where: negatedSentences.contains)
    }

    /// Whether the key occurs in a sentence of the window.
    func occurs(_ key: String, windowStart: Int, width: Int) -> Bool {
        postings[key]?.contains { $0 >= windowStart && $0 < windowStart + width } ?? false
    }

    func negates(sentence: Int) -> Bool { negatedSentences.contains(sentence) }

    /// Numbers the context states with this follower word, when there are any.
    func numbers(before follower: String) -> Set<String>? { numbersByFollower[follower] }

    /// The comparison key: numbers normalised (number words up to twenty become
    /// digits, so "seven countries" meets "7 countries"), words stemmed.
    static func key(_ token: TextToken) -> String {
        if token.kind == .number { return "#" + token.normalized }
        if let value = numberWords[token.normalized] { return "#\(value)" }
        return EnglishStemmer.stem(token.normalized)
    }

    /// The first content word within the two tokens after a number, stemmed
    /// and as written: what the number counts or dates ("31 hotels", "1934 by Mohan").
    static func follower(of position: Int, in sentence: [TextToken]) -> (stem: String, surface: String)? {
        var next = position + 1
        while next < sentence.count && next <= position + 2 {
            let token = sentence[next]
            if token.kind == .word && !TextUnits.stopwords.contains(token.normalized)
                && numberWords[token.normalized] == nil
            {
                return (EnglishStemmer.stem(token.normalized), token.surface)
            }
            next += 1
        }
        return nil
    }

    static let negations: Set<String> = [
        "not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "cannot", "without",
    ]

    static let numberWords: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
        "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    ]
}
