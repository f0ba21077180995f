import Foundation

/// Real text for the clients: Debian packages that `scripts/corpora.sh`
/// downloads and unpacks into a cache folder (one sub-folder per package), the
/// AG News test split from a CSV the user has (`Corpora.agnewsSource`), or a folder of text files.
///
/// Every function is deterministic: file lists are sorted and nothing depends
/// on dictionary order. Errors name the missing file or folder.
package enum Corpora {
    package typealias Error = TokenFile.Error

    /// Appended to errors about files that the download script provides.
    package static let fetchHint = "run scripts/corpora.sh to download and unpack it"

    // MARK: - Client corpora

    /// Four clients `de, fr, it, es`: the prose paragraphs of the Debian
    /// Reference in each language (the same book, translated).
    package static func multilingual(cache: String) throws -> [ClientDocuments] {
        try ["de", "fr", "it", "es"].map { language in
            ClientDocuments(name: language, documents: try debianReference(cache: cache, language: language))
        }
    }

    /// Four clients `code, books, docs, legal`: Python standard-library source,
    /// the King James Bible, the Python documentation and software licences.
    package static func domains(cache: String) throws -> [ClientDocuments] {
        [ClientDocuments(name: "code", documents: try pythonSources(cache: cache)),
         ClientDocuments(name: "books", documents: try bibleChapters(cache: cache)),
         ClientDocuments(name: "docs", documents: try pythonDocs(cache: cache)),
         ClientDocuments(name: "legal", documents: try licenses(cache: cache))]
    }

    /// Where the AG News CSV comes from, for errors and help texts.
    package static let agnewsSource = "give --csv the test.csv of the ag_news_csv release (Zhang, Zhao and LeCun 2015: "
        + "7,600 rows of \"class 1-4\",\"title\",\"description\")"

    /// Four clients `World, Sports, Business, Sci/Tech` (class index 1-4) from
    /// the AG News CSV; a document is one row, "title. description", in row order.
    /// Every AG News row has text, so a row whose title and description are both empty
    /// (after cleaning) is an error, like a malformed one; errors name the file and line.
    package static func agnews(csv: String) throws -> [ClientDocuments] {
        let text = try readUTF8(csv, hint: "AG News is not downloaded by scripts/corpora.sh: " + agnewsSource)
        var clients = AGNews.classes.map { ClientDocuments(name: $0, documents: []) }
        for row in try CSV.rows(text, file: csv) {
            let f = row.fields
            guard f.count == 3, let label = Int(f[0]), (1...clients.count).contains(label) else {
                throw Error(description: "\(csv): line \(row.line): expected three columns \"class 1-4\",\"title\",\"description\", got \(f.count) column(s) starting \(f.first.map { "'\($0.prefix(20))'" } ?? "nothing")")
            }
            let document = AGNews.document(title: f[1], description: f[2])
            guard !document.isEmpty else { throw Error(description: "\(csv): line \(row.line): no text (title and description empty)") }
            clients[label - 1].documents.append(document)
        }
        guard clients.contains(where: { !$0.documents.isEmpty }) else {
            throw Error(description: "\(csv): no rows")
        }
        return clients
    }

    /// Any labelled CSV, one document per row: the first column is the label, the other
    /// columns (joined with a space) the text; one `ClientDocuments` per label, labels in
    /// sorted order. A first row whose label column reads "label" is a header. A row whose
    /// text is empty or only white space is no document: it is skipped, and its line is
    /// returned in `empty` for the caller to report. A row with no label (empty or only white
    /// space) is an error. Errors name the file and line.
    package static func labelled(csv: String) throws -> (byLabel: [ClientDocuments], empty: [Int]) {
        let text = try readUTF8(csv, hint: nil)
        var byLabel: [String: [String]] = [:], empty: [Int] = []
        for (number, row) in try CSV.rows(text, file: csv).enumerated() {
            let f = row.fields
            if number == 0 && f.first?.lowercased() == "label" { continue }
            guard f.count >= 2 else {
                throw Error(description: "\(csv): line \(row.line): expected a label and at least one text column, got \(f.count) column(s)")
            }
            guard !f[0].allSatisfy(\.isWhitespace) else {
                throw Error(description: "\(csv): line \(row.line): empty label (the first column is the row's label; give every row one)")
            }
            let document = f.dropFirst().joined(separator: " ")
            if document.allSatisfy(\.isWhitespace) { empty.append(row.line); continue }
            byLabel[f[0], default: []].append(document)
        }
        guard !byLabel.isEmpty else {
            throw Error(description: "\(csv): no rows" + (empty.isEmpty ? "" : " with text (\(empty.count) empty)"))
        }
        return (byLabel.keys.sorted().map { ClientDocuments(name: $0, documents: byLabel[$0]!) }, empty)
    }

    /// One client per sub-folder of `dir` (sorted by name); a document is one
    /// `.txt` file (sorted by name), read as UTF-8.
    package static func folders(_ dir: String) throws -> [ClientDocuments] {
        guard isDirectory(dir) else {
            throw Error(description: "\(dir): no such folder (expected one sub-folder of .txt files per client)")
        }
        let subfolders = try visibleEntries(of: dir).filter { isDirectory("\(dir)/\($0)") }
        guard !subfolders.isEmpty else {
            throw Error(description: "\(dir): no sub-folders (expected one sub-folder of .txt files per client)")
        }
        return try subfolders.map { name in
            let folder = "\(dir)/\(name)"
            let files = try visibleEntries(of: folder).filter { $0.hasSuffix(".txt") && !isDirectory("\(folder)/\($0)") }
            guard !files.isEmpty else { throw Error(description: "\(folder): no .txt files (one document per .txt file)") }
            return ClientDocuments(name: name, documents: try files.map { try readUTF8("\(folder)/\($0)", hint: nil) })
        }
    }

    /// English prose that is no client's data, for pretraining a base model:
    /// the English Debian Reference, the GNU coding standards and maintainer
    /// information, and the FOLDOC computing dictionary. Documents are paragraphs.
    package static func pretraining(cache: String) throws -> [String] {
        try debianReference(cache: cache, language: "en") + gnuStandards(cache: cache) + foldoc(cache: cache)
    }

    // MARK: - Sources

    /// Prose paragraphs of `debian-reference.LL.txt.gz` (a plain-text rendering of
    /// the book); in the translations, paragraphs left in English are dropped.
    package static func debianReference(cache: String, language: String) throws -> [String] {
        let path = "\(cache)/debian-reference-\(language)/usr/share/debian-reference/debian-reference.\(language).txt.gz"
        let paragraphs = PlainText.paragraphs(PlainText.lines(ByteText.withPlainSpaces(try gunzip(path))))
        return language == "en" ? paragraphs : paragraphs.filter { !Language.isEnglish($0) }
    }

    /// The code client takes whole files, in path order, until it holds this
    /// many bytes (2 MiB): plenty of code, without the whole library.
    package static let codeBytes = 2 << 20

    /// Python standard-library modules from libpython3.11-stdlib, sorted by
    /// path, tests and generated data excluded; a document is one file.
    package static func pythonSources(cache: String) throws -> [String] {
        let root = "\(cache)/libpython3.11-stdlib/usr/lib/python3.11"
        var documents: [String] = [], bytes = 0
        for path in try files(under: root, suffix: ".py") where isLibraryCode(path) && bytes < codeBytes {
            // A few files may not be UTF-8 text; they are skipped, deterministically.
            guard let data = FileManager.default.contents(atPath: "\(root)/\(path)"),
                  let text = String(data: data, encoding: .utf8) else { continue }
            documents.append(text)
            bytes += text.utf8.count
        }
        guard bytes >= codeBytes else {
            throw Error(description: "\(root): only \(bytes) bytes of library code (expected \(codeBytes)); \(fetchHint)")
        }
        return documents
    }

    /// Test suites are not library code, `_sysconfigdata*` is generated build
    /// data, and `pydoc_data/` holds the documentation's text (the docs client's data).
    package static func isLibraryCode(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        let name = parts.last ?? ""
        return !parts.dropLast().contains { $0 == "test" || $0 == "tests" || $0 == "idle_test" || $0 == "pydoc_data" }
            && !name.hasPrefix("test_") && !name.hasPrefix("_sysconfigdata")
    }

    /// The King James Bible decoded by the script to `kjv/kjv.txt` (one verse a
    /// line, "Ge1:1 In the beginning …"); a document is one chapter, without
    /// the verse references.
    package static func bibleChapters(cache: String) throws -> [String] {
        let path = "\(cache)/kjv/kjv.txt"
        var chapters: [String] = [], verses: [Substring] = [], chapter: Substring = ""
        for line in PlainText.lines(try readUTF8(path, hint: fetchHint)) where !PlainText.isBlank(line) {
            guard let (reference, verse) = Bible.splitReference(line) else {
                throw Error(description: "\(path): '\(line.prefix(30))' does not start with a verse reference like 'Ge1:1 '")
            }
            if reference != chapter, !verses.isEmpty {
                chapters.append(verses.joined(separator: " "))
                verses = []
            }
            chapter = reference
            verses.append(verse)
        }
        if !verses.isEmpty { chapters.append(verses.joined(separator: " ")) }
        guard !chapters.isEmpty else { throw Error(description: "\(path): empty; \(fetchHint)") }
        return chapters
    }

    /// The Python documentation's reST sources (`_sources/**/*.rst.txt`) as
    /// plain prose paragraphs. The licence pages are left out: licences are
    /// the legal client's data.
    package static func pythonDocs(cache: String) throws -> [String] {
        let root = "\(cache)/python3.11-doc/usr/share/doc/python3.11/html/_sources"
        return try files(under: root, suffix: ".rst.txt")
            .filter { $0 != "license.rst.txt" && $0 != "copyright.rst.txt" }
            .flatMap { ReST.paragraphs(try readUTF8("\(root)/\($0)", hint: fetchHint)) }
    }

    /// The system's licence texts, `/usr/share/common-licenses/*` (from base-files,
    /// always installed; else the script's unpacked base-files). Symbolic links
    /// (GPL -> GPL-3, …) are skipped so no text counts twice; a document is one paragraph.
    package static func licenses(cache: String) throws -> [String] {
        let system = "/usr/share/common-licenses"
        let root = isDirectory(system) ? system : "\(cache)/base-files/usr/share/common-licenses"
        guard isDirectory(root) else { throw Error(description: "\(system) and \(root): missing; \(fetchHint)") }
        let names = try visibleEntries(of: root).filter { !isSymbolicLink("\(root)/\($0)") && !isDirectory("\(root)/\($0)") }
        let documents = try names.flatMap { name in
            let lines = PlainText.lines(try readUTF8("\(root)/\(name)", hint: fetchHint)).map(licenseLine)
            return PlainText.blocks(lines).map { PlainText.collapseWhitespace($0.joined(separator: " ")) }
        }
        guard !documents.isEmpty else { throw Error(description: "\(root): no licence files") }
        return documents
    }

    /// A licence line without the frame of boxed notices ("*  6. Disclaimer  *"
    /// -> "6. Disclaimer"); rules ("------", "*****") become blank lines.
    package static func licenseLine(_ line: Substring) -> Substring {
        ByteText.with(line) { bytes in
            var t = ByteText.trimmed(bytes)
            if t.count >= 2, t.first == .star, t.last == .star, !PlainText.isSeparator(t) {
                t = ByteText.trimmed(ByteText.slice(t, 1..<t.count - 1))
            }
            return PlainText.isSeparator(t) ? "" : Substring(ByteText.string(t))
        }
    }

    /// The GNU coding standards and maintainer information (plain-text
    /// renderings of the Texinfo manuals), without their GFDL appendix.
    package static func gnuStandards(cache: String) throws -> [String] {
        let dir = "\(cache)/gnu-standards/usr/share/doc/gnu-standards"
        return try ["standards.text.gz", "maintain.text.gz"].flatMap { name in
            PlainText.paragraphs(withoutLicenseAppendix(PlainText.lines(ByteText.withPlainSpaces(try gunzip("\(dir)/\(name)")))))
        }
    }

    /// The manuals end with the full text of the GNU Free Documentation License
    /// (then the index). Licences are the legal client's data, so everything from
    /// the appendix heading on is cut. The table of contents names the appendix
    /// too, so the last such heading is the real one.
    package static func withoutLicenseAppendix(_ lines: [Substring]) -> ArraySlice<Substring> {
        let heading = lines.lastIndex { $0.hasPrefix("Appendix ") && $0.hasSuffix(" GNU Free Documentation License") }
        return lines[..<(heading ?? lines.endIndex)]
    }

    /// The definitions of FOLDOC, the Free On-line Dictionary of Computing
    /// (dictd format; the `.dz` file is gzip-compatible).
    package static func foldoc(cache: String) throws -> [String] {
        let path = "\(cache)/dict-foldoc/usr/share/dictd/foldoc.dict.dz"
        return Foldoc.definitions(ByteText.withPlainSpaces(try gunzip(path)))
    }

    // MARK: - Files

    /// The file as UTF-8 text; errors name it (and say how to get it when `hint` is given).
    package static func readUTF8(_ path: String, hint: String?) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "\(path): missing or unreadable" + (hint.map { "; \($0)" } ?? ""))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Error(description: "\(path): not UTF-8 text")
        }
        return text
    }

    /// A gzip-compressed UTF-8 file, decompressed by `gzip -dc` (no zlib binding in Foundation on Linux).
    package static func gunzip(_ path: String) throws -> String {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Error(description: "\(path): missing; \(fetchHint)")
        }
        guard let gzip = ["/bin/gzip", "/usr/bin/gzip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Error(description: "\(path): cannot decompress: gzip not found in /bin or /usr/bin")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-dc", path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw Error(description: "\(path): cannot run \(gzip): \(error.localizedDescription)")
        }
        // Read before waiting: the pipe would fill up and block gzip otherwise.
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Error(description: "\(path): gzip -dc failed (exit status \(process.terminationStatus)); delete its package folder and \(fetchHint)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Error(description: "\(path): not UTF-8 text")
        }
        return text
    }

    /// Regular files below `root` whose name ends with `suffix`, as sorted paths relative to `root`.
    package static func files(under root: String, suffix: String) throws -> [String] {
        guard isDirectory(root), let walk = FileManager.default.enumerator(atPath: root) else {
            throw Error(description: "\(root): missing; \(fetchHint)")
        }
        var paths: [String] = []
        while let path = walk.nextObject() as? String {
            if path.hasSuffix(suffix), !isSymbolicLink("\(root)/\(path)"), !isDirectory("\(root)/\(path)") {
                paths.append(path)
            }
        }
        return paths.sorted()
    }

    /// Names in `dir` not starting with "." (hidden files are no data), sorted.
    package static func visibleEntries(of dir: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw Error(description: "\(dir): cannot list folder: \(error.localizedDescription)")
        }
    }

    package static func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    package static func isSymbolicLink(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeSymbolicLink
    }
}
