/// "Did you mean …?" for mistyped names: scenario keys, commands, help topics, options.
package enum Spelling {
    /// The name among `known` that `name` most likely misspells: the nearest in edit distance (the first of
    /// equals, so callers pass `known` in a fixed order), if at most 3 edits and at most half of `name`'s
    /// length rounded up — "rnu" suggests "run", "xyz" suggests nothing. Nil when none is that near.
    package static func nearest(_ name: String, among known: [String]) -> String? {
        guard let best = known.min(by: { editDistance($0, name) < editDistance($1, name) }) else { return nil }
        return editDistance(best, name) <= min(3, (name.count + 1) / 2) ? best : nil
    }

    /// Levenshtein distance: the fewest insertions, deletions and substitutions of characters turning `a` into `b`.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
