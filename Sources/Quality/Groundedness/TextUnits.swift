/// One word or number of a text, as the groundedness scorer compares them.
struct TextToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case word, number }
    var kind: Kind
    /// Lowercased word, or the number with separators removed (`1,000.50` -> `1000.5`).
    var normalized: String
    /// The text as written, for reasons shown to people.
    var surface: String
    /// Starts with an uppercase letter while not opening its sentence: a likely name.
    var isProperNoun: Bool
    /// A comma came right before it, which is where clauses are cut.
    var followsComma: Bool
    /// The last token of a sentence that ended with `?`: a question asks, it claims nothing.
    var endsQuestion = false
    /// Stands for the "n't" of "didn't", "isn't": the tokenizer drops the
    /// letters after an apostrophe, so the negation would otherwise be lost.
    var isContractedNegation = false
}

/// Splits text into sentences of tokens. Sentence ends are `.`, `!`, `?`, `;`
/// and line breaks, except a dot inside a number, after a single capital
/// (initials) or after a common abbreviation.
enum TextUnits {
    static func sentences(_ text: String) -> [[TextToken]] {
        var sentences: [[TextToken]] = []
        var current: [TextToken] = []
        var word = ""
        var wordIsNumber = false
        var sawComma = false
        let scalars = Array(text.unicodeScalars)

        func finishWord() {
            guard !word.isEmpty else { return }
            if wordIsNumber {
                current.append(
                    TextToken(
                        kind: .number, normalized: normalizeNumber(word), surface: word, isProperNoun: false,
                        followsComma: sawComma))
            } else {
                let first = word.unicodeScalars.first!
                let lower = word.lowercased()
                let isProper = !current.isEmpty && first.properties.isUppercase && !stopwords.contains(lower)
                current.append(
                    TextToken(
                        kind: .word, normalized: lower, surface: word, isProperNoun: isProper, followsComma: sawComma))
            }
            sawComma = false
            word = ""
            wordIsNumber = false
        }
        func finishSentence() {
            finishWord()
            if !current.isEmpty { sentences.append(current) }
            current = []
            sawComma = false
        }

        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            let next: Unicode.Scalar? = index + 1 < scalars.count ? scalars[index + 1] : nil
            if scalar.properties.numericType != nil && scalar.isASCII {
                if word.isEmpty { wordIsNumber = true }
                word.unicodeScalars.append(scalar)
            } else if scalar.properties.isAlphabetic {
                // "1840s", "3rd": a number followed by letters stays the number.
                if !wordIsNumber { word.unicodeScalars.append(scalar) }
            } else if scalar == "," || scalar == ".", wordIsNumber, let next, next.isASCII,
                next.properties.numericType != nil
            {
                word.unicodeScalars.append(scalar)
            } else if scalar == "'" || scalar == "\u{2019}" {
                // "Arthur's" -> "arthur"; "don't" -> "don" and a "not" marked as contracted.
                let negates =
                    word.lowercased().hasSuffix("n") && index + 1 < scalars.count
                    && (scalars[index + 1] == "t" || scalars[index + 1] == "T")
                    && (index + 2 >= scalars.count || !scalars[index + 2].properties.isAlphabetic)
                finishWord()
                while index + 1 < scalars.count, scalars[index + 1].properties.isAlphabetic { index += 1 }
                if negates {
                    current.append(
                        TextToken(
                            kind: .word, normalized: "not", surface: "n't", isProperNoun: false, followsComma: false,
                            isContractedNegation: true))
                }
            } else if scalar == "." {
                let isInitial = word.count == 1 && word.unicodeScalars.first!.properties.isUppercase
                let isAbbreviation = abbreviations.contains(word.lowercased())
                finishWord()
                let atWordGap = next == nil || next!.properties.isWhitespace || next!.properties.isUppercase
                if !isInitial && !isAbbreviation && atWordGap { finishSentence() }
            } else if scalar == "!" || scalar == "?" || scalar == ";" || scalar == "\n" {
                finishWord()
                if scalar == "?", !current.isEmpty { current[current.count - 1].endsQuestion = true }
                finishSentence()
            } else if scalar == "," {
                finishWord()
                sawComma = true
            } else {
                finishWord()
            }
            index += 1
        }
        finishSentence()
        return sentences
    }

    /// `1,000` -> `1000`, `2.50` -> `2.5`, `3.0` -> `3`: one spelling per value.
    static func normalizeNumber(_ text: String) -> String {
        var digits = text.filter { $0 != "," }
        if digits.contains(".") {
            while digits.hasSuffix("0") { digits.removeLast() }
            if digits.hasSuffix(".") { digits.removeLast() }
        }
        return digits
    }

    static let abbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "st", "vs", "etc", "inc", "jr", "sr", "co", "ltd", "no", "prof", "gen", "col",
        "lt", "mt", "ft", "approx", "est", "fig", "al",
    ]

    /// Function words: they carry no claim, so they neither support nor contradict one.
    static let stopwords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "if", "then", "else", "of", "in", "on", "at", "to", "for", "from",
        "by", "with", "without", "about", "as", "into", "onto", "over", "under", "than", "that", "this", "these",
        "those", "there", "here", "it", "its", "itself", "he", "she", "they", "them", "their", "theirs", "his",
        "her", "hers", "him", "we", "us", "our", "you", "your", "i", "me", "my", "mine", "is", "are", "was",
        "were", "be", "been", "being", "am", "do", "does", "did", "done", "have", "has", "had", "having", "will",
        "would", "shall", "should", "can", "could", "may", "might", "must", "not", "no", "yes", "so", "such",
        "also", "too", "very", "just", "only", "both", "either", "neither", "each", "every", "all", "any",
        "some", "more", "most", "less", "least", "other", "another", "same", "which", "who", "whom", "whose",
        "what", "when", "where", "why", "how", "while", "whereas", "although", "though", "because", "since",
        "until", "after", "before", "during", "between", "among", "through", "up", "down", "out", "off", "again",
        "further", "once", "yet", "however", "therefore", "thus", "well", "s", "t", "don", "known", "called",
        "named", "many", "much", "like", "including", "according", "based",
    ]

    /// Words that open a new clause after a comma ("…, but it closed in 1990").
    static let clauseOpeners: Set<String> = [
        "and", "but", "while", "whereas", "although", "though", "yet", "so", "which", "who",
    ]
}
