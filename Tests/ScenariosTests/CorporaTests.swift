import Foundation
import XCTest
@testable import Experiments

/// Real-text corpora (`scripts/corpora.sh` + `Corpora`). Tests that need the
/// package cache skip when it is missing (and fail on CI); the cleaning rules
/// are also tested on small inline samples, which always run.
final class CorporaTests: XCTestCase {
    // MARK: - Fixtures

    /// The cache folder, located like the script does.
    static let cache: String = {
        if let dir = ProcessInfo.processInfo.environment["COMIGS_CORPORA"], !dir.isEmpty { return dir }
        return NSHomeDirectory() + "/.cache/comigs/corpora"
    }()

    /// `../shared/data/agnews/test.csv` from the package root.
    static let agnewsCSV: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/agnews/test.csv").path

    struct Extracted: Sendable {
        var multilingual: [ClientDocuments]
        var domains: [ClientDocuments]
        var pretraining: [String]
    }

    /// Extracted once for the whole class: extraction takes a few seconds in debug builds.
    /// Nil when the cache is missing (the script's last step writes kjv/kjv.txt).
    static let extracted: Result<Extracted, any Error>? = {
        guard FileManager.default.fileExists(atPath: cache + "/kjv/kjv.txt") else { return nil }
        return Result {
            Extracted(multilingual: try Corpora.multilingual(cache: cache),
                      domains: try Corpora.domains(cache: cache),
                      pretraining: try Corpora.pretraining(cache: cache))
        }
    }()

    static let agnews: Result<[ClientDocuments], any Error>? = {
        guard FileManager.default.fileExists(atPath: agnewsCSV) else { return nil }
        return Result { try Corpora.agnews(csv: agnewsCSV) }
    }()

    /// Skips when the data is missing, except on CI (environment variable CI set), where it fails.
    func require<T>(_ result: Result<T, any Error>?, _ what: String, hint: String) throws -> T {
        guard let result else {
            if ProcessInfo.processInfo.environment["CI"] != nil {
                XCTFail("\(what) missing; \(hint)")
                throw XCTSkip("\(what) missing")
            }
            throw XCTSkip("\(what) missing: \(hint)")
        }
        return try result.get()
    }

    func corpora() throws -> Extracted {
        try require(Self.extracted, "corpora cache \(Self.cache)", hint: "run scripts/corpora.sh")
    }

    func news() throws -> [ClientDocuments] {
        try require(Self.agnews, Self.agnewsCSV, hint: "see ../shared/data/README.md")
    }

    static let boxDrawing = CharacterSet(charactersIn: Unicode.Scalar(0x2500)!...Unicode.Scalar(0x257F)!)

    static func text(_ client: ClientDocuments) -> String { client.documents.joined(separator: "\n") }

    /// Occurrences of `word`, by a byte loop (the generic Swift search is slow in debug builds).
    static func count(_ word: String, in text: String) -> Int {
        var text = text, word = word
        return text.withUTF8 { t in
            word.withUTF8 { w in
                guard let first = w.first else { return 0 }
                var n = 0, i = 0
                while i + w.count <= t.count {
                    if t[i] == first {
                        var k = 1
                        while k < w.count && t[i + k] == w[k] { k += 1 }
                        if k == w.count { n += 1; i += k; continue }
                    }
                    i += 1
                }
                return n
            }
        }
    }

    static func summary(_ clients: [ClientDocuments]) -> String {
        clients.map { "\($0.name) \(text($0).utf8.count / 1024) KB / \($0.documents.count) docs" }.joined(separator: ", ")
    }

    // MARK: - Real corpora

    func testMultilingualSizesAndLanguages() throws {
        let clients = try corpora().multilingual
        print("multilingual: \(Self.summary(clients))")
        XCTAssertEqual(clients.map(\.name), ["de", "fr", "it", "es"])
        // Stop words of each language must clearly outnumber English "the".
        let stopWords = ["de": [" und ", " der "], "fr": [" le ", " et "], "it": [" il ", " che "], "es": [" el ", " que "]]
        for client in clients {
            let text = Self.text(client)
            XCTAssertGreaterThanOrEqual(text.utf8.count, 200 << 10, client.name)
            let english = Self.count(" the ", in: text)
            for word in stopWords[client.name]! {
                XCTAssertGreaterThan(Self.count(word, in: text), 10 * max(english, 10), "\(client.name): '\(word)' vs ' the ' \(english)")
            }
        }
    }

    func testDomainsSizesAndContent() throws {
        let clients = try corpora().domains
        print("domains: \(Self.summary(clients))")
        XCTAssertEqual(clients.map(\.name), ["code", "books", "docs", "legal"])
        let text = Dictionary(uniqueKeysWithValues: clients.map { ($0.name, Self.text($0)) })
        for client in clients {
            XCTAssertGreaterThanOrEqual(text[client.name]!.utf8.count, 200 << 10, client.name)
        }
        XCTAssertGreaterThanOrEqual(text["code"]!.utf8.count, Corpora.codeBytes)
        XCTAssertGreaterThan(Self.count("def ", in: text["code"]!), 1000)
        XCTAssertGreaterThan(Self.count("import ", in: text["code"]!), 200)
        XCTAssertFalse(clients[0].documents.contains { $0.contains("import unittest") && $0.contains("class Test") },
                       "test modules must be excluded")
        XCTAssertGreaterThan(Self.count("LORD", in: text["books"]!), 5000)
        XCTAssertGreaterThan(Self.count("thou", in: text["books"]!), 1000)
        XCTAssertEqual(clients[1].documents.count, 1189, "one document per chapter")
        XCTAssertTrue(clients[1].documents[0].hasPrefix("In the beginning God created the heaven and the earth. And the earth"))
        XCTAssertGreaterThan(Self.count("Python", in: text["docs"]!), 1000)
        for leftover in [":func:`", ":class:`", ":meth:`", ":mod:`", ".. note::", ":synopsis:", "``"] {
            XCTAssertFalse(text["docs"]!.contains(leftover), "docs: leftover '\(leftover)'")
        }
        XCTAssertFalse(clients[2].documents.contains { $0.hasPrefix(">>>") || $0.hasPrefix("$ ") }, "docs: doctest or shell session kept")
        XCTAssertGreaterThan(Self.count("License", in: text["legal"]!), 100)
        XCTAssertGreaterThan(Self.count("warranty", in: text["legal"]!) + Self.count("WARRANTY", in: text["legal"]!), 20)
    }

    func testCleanedTextHasNoMarkupDebris() throws {
        let c = try corpora()
        let cleaned = c.multilingual + c.domains.filter { $0.name != "code" } + [ClientDocuments(name: "pretraining", documents: c.pretraining)]
        for client in cleaned {
            for document in client.documents {
                XCTAssertNil(document.rangeOfCharacter(from: Self.boxDrawing), "\(client.name): box drawing in '\(document.prefix(80))'")
                XCTAssertFalse(document.contains("----") || document.contains("===="), "\(client.name): separator in '\(document.prefix(80))'")
                XCTAssertFalse(document.contains("\n"), "\(client.name): paragraphs are one line")
                XCTAssertFalse(document.isEmpty)
            }
        }
        for client in c.multilingual {
            XCTAssertFalse(client.documents.contains { $0.hasPrefix("$ ") || $0.hasPrefix("# ") || $0.hasPrefix("|") }, client.name)
        }
        let books = c.domains[1].documents
        let reference = try NSRegularExpression(pattern: "(^|\\s)[0-9]?[A-Z][a-z]*[0-9]+:[0-9]+\\s")
        for chapter in books {
            XCTAssertNil(reference.firstMatch(in: chapter, range: NSRange(chapter.startIndex..., in: chapter)), "verse reference in '\(chapter.prefix(80))'")
        }
    }

    func testPretrainingIsEnglishAndNotClientData() throws {
        let c = try corpora()
        let text = c.pretraining.joined(separator: "\n")
        print("pretraining: \(text.utf8.count / 1024) KB / \(c.pretraining.count) docs")
        XCTAssertGreaterThanOrEqual(text.utf8.count, 1 << 20)
        XCTAssertGreaterThan(Self.count(" the ", in: text), 10 * (Self.count(" der ", in: text) + Self.count(" le ", in: text) + 10))
        // The GNU manuals' GFDL appendix (legal client text) is cut off.
        XCTAssertFalse(text.contains("The purpose of this License is to make a manual, textbook, or other functional"))
        XCTAssertTrue(text.contains("GNU"))
    }

    func testExtractionIsDeterministic() throws {
        let c = try corpora()
        XCTAssertEqual(try Corpora.multilingual(cache: Self.cache).map(\.documents), c.multilingual.map(\.documents))
        XCTAssertEqual(try Corpora.domains(cache: Self.cache).map(\.documents), c.domains.map(\.documents))
        XCTAssertEqual(try Corpora.pretraining(cache: Self.cache), c.pretraining)
        let news = try news()
        XCTAssertEqual(try Corpora.agnews(csv: Self.agnewsCSV).map(\.documents), news.map(\.documents))
    }

    // MARK: - AG News

    func testAGNews() throws {
        let clients = try news()
        print("agnews: \(Self.summary(clients))")
        XCTAssertEqual(clients.map(\.name), ["World", "Sports", "Business", "Sci/Tech"])
        for client in clients {
            XCTAssertEqual(client.documents.count, 1900, client.name)
            for document in client.documents {
                for debris in ["#39;", "#36;", "quot;", "&lt;", "&gt;", "&amp;", "\\", "<b>", "</A>"] {
                    XCTAssertFalse(document.contains(debris), "\(client.name): '\(debris)' in '\(document)'")
                }
            }
        }
        // The first row (class 3) and the second (class 4, with "#36;" and "\" line breaks), in row order.
        XCTAssertEqual(clients[2].documents[0],
                       "Fears for T N pension after talks. Unions representing workers at Turner Newall say they are 'disappointed' after talks with stricken parent firm Federal Mogul.")
        XCTAssertTrue(clients[3].documents[0].hasPrefix("The Race is On: Second Private Team Sets Launch Date for Human Spaceflight (SPACE.com). SPACE.com - TORONTO, Canada -- A second team of rocketeers competing for the $10 million Ansari X Prize"),
                      clients[3].documents[0])
    }

    // MARK: - Folders

    func testFolders() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("comigs-corpora-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = ["b/2.txt": "b two", "b/10.txt": "b ten", "a/z.txt": "a zed", "a/m.txt": "a em ü", "a/notes.md": "ignored"]
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            try FileManager.default.createDirectory(atPath: root + "/" + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: root + "/" + path, atomically: true, encoding: .utf8)
        }
        let clients = try Corpora.folders(root)
        XCTAssertEqual(clients.map(\.name), ["a", "b"])
        XCTAssertEqual(clients.map(\.documents), [["a em ü", "a zed"], ["b ten", "b two"]])  // "10.txt" < "2.txt"

        try FileManager.default.createDirectory(atPath: root + "/c", withIntermediateDirectories: true)
        XCTAssertThrowsError(try Corpora.folders(root)) { XCTAssertTrue("\($0)".contains(root + "/c"), "\($0)") }
        let empty = root + "/c"
        XCTAssertThrowsError(try Corpora.folders(empty)) { XCTAssertTrue("\($0)".contains(empty) && "\($0)".contains("sub-folder"), "\($0)") }
        XCTAssertThrowsError(try Corpora.folders(root + "/missing")) { XCTAssertTrue("\($0)".contains(root + "/missing"), "\($0)") }
    }

    // MARK: - Errors

    func testMissingCacheErrorsNameTheFileAndTheScript() {
        let cache = "/nonexistent/comigs-corpora"
        for extract in [{ _ = try Corpora.multilingual(cache: cache) }, { _ = try Corpora.domains(cache: cache) },
                        { _ = try Corpora.pretraining(cache: cache) }] {
            XCTAssertThrowsError(try extract()) { error in
                XCTAssertTrue("\(error)".contains(cache), "\(error)")
                XCTAssertTrue("\(error)".contains("scripts/corpora.sh"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Corpora.agnews(csv: "/nonexistent/test.csv")) { XCTAssertTrue("\($0)".contains("/nonexistent/test.csv")) }
    }

    // MARK: - CSV

    func testCSVRowsKnowTheirLine() throws {
        let text = "\"a\",\"two\nlines\"\n\n\"b\",\"x\"\r\nc,He said \"hi\",\n"
        XCTAssertEqual(try CSV.rows(text, file: "f.csv"), [CSV.Row(line: 1, fields: ["a", "two\nlines"]),
                                                          CSV.Row(line: 4, fields: ["b", "x"]),
                                                          CSV.Row(line: 5, fields: ["c", "He said \"hi\"", ""])])
    }

    /// A quote left open would swallow every later row into one field; a quoted field that closes
    /// early (a lone quote inside it) would shift the columns. Both name the line the field opens on.
    func testCSVRefusesAnOpenOrBrokenQuotedField() {
        let cases = [("\"1\",\"ok\"\n\"2\",\"never closed\n3,plain\n4,more\n",
                      "f.csv: line 2: the quoted field that opens here has no closing quote"),
                     ("\"1\",\"ok\"\n\"2\",\"open\n\"3\",\"x\"\n",
                      "f.csv: line 2: the quoted field that opens here has text after its closing quote (on line 3); "
                      + "a quote is missing, or one inside the field is not written \"\""),
                     ("1,\"a \"quoted\" word\"\n", "f.csv: line 1: the quoted field that opens here has text after its closing quote; "),
                     ("1,\"\"\"\n", "f.csv: line 1: the quoted field that opens here has no closing quote")]
        for (text, message) in cases {
            XCTAssertThrowsError(try CSV.rows(text, file: "f.csv"), text.debugDescription) {
                XCTAssertTrue("\($0)".hasPrefix(message), "\($0)")
            }
        }
    }

    /// Rows without text are no documents: skipped, and their lines returned for the report.
    func testLabelledSkipsEmptyTexts() throws {
        let dir = try temporaryDirectory("labelled")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "label,text,more\nb,hello,\na,  ,\nb,\"\",\"\"\na,world,again\nb,,there\n".write(toFile: dir + "/l.csv", atomically: true, encoding: .utf8)
        let read = try Corpora.labelled(csv: dir + "/l.csv")
        XCTAssertEqual(read.byLabel.map(\.name), ["a", "b"])
        XCTAssertEqual(read.byLabel.map(\.documents), [["world again"], ["hello ", " there"]])
        XCTAssertEqual(read.empty, [3, 4])
        try "label,text\na,\nb, \n".write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Corpora.labelled(csv: dir + "/e.csv")) { XCTAssertEqual("\($0)", "\(dir)/e.csv: no rows with text (2 empty)") }
    }

    /// End to end: `comigs data prepare` fails with exit 2 and one line naming the file and the
    /// line, writing nothing, for both CSV corpora; a labelled CSV's empty rows are reported.
    func testPrepareRefusesABrokenCSV() throws {
        let dir = try temporaryDirectory("csv-errors")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let csv = dir + "/broken.csv"
        try "\"3\",\"Title\",\"Text\"\n\"4\",\"Open title,\"Text\"\n\"1\",\"T\",\"D\"\n\"2\",\"T\",\"D\"\n".write(toFile: csv, atomically: true, encoding: .utf8)
        for corpus in ["agnews", "labelled"] {
            let r = try comigs(["data", "prepare", corpus, "--csv", csv, "--out", dir + "/out"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr, "comigs: \(csv): line 2: the quoted field that opens here has text after its closing quote; "
                           + "a quote is missing, or one inside the field is not written \"\"\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out"), corpus)
        }
        // The note comes as soon as the CSV is read, so a corpus too small to prepare (no download needed) shows it.
        try "label,text\na,x\nb,\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try comigs(["data", "prepare", "labelled", "--csv", csv, "--out", dir + "/out"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr, "\(csv): 1 row(s) with no text skipped, not counted as documents (line(s) 3)\n"
                       + "comigs: --partition natural: client 0 gets 1 documents, fewer than 30 (use fewer clients)\n")
    }

    // MARK: - Cleaning rules on samples (no cache needed)

    func testPlainTextKeepsProseAndDropsMarkup() {
        let sample = """
        1.2.3. Eine Überschrift

            Dies ist ein ganz normaler Absatz, der über mehrere Zeilen
            umbrochen wurde und im Verzeichnis "/usr/share/doc/
            paketname" liegt.

            $ ls -la /etc
            # apt-get install vim

            Tabelle 1.3. Auflistung der Verwendung wichtiger
            Verzeichnisse

            +---------------------------------------------------------------+
            |Verzeichnis|           Verwendung des Verzeichnisses           |
            +---------------------------------------------------------------+

            ┌──────────┐ Ein Kasten mit einem langen Text darin für den Test
            ---------------------------------------------------------------

            Anmerkung

              * Ein Listenpunkt mit genügend Wörtern, um als Absatz zu
                gelten;

            password        requisite        pam_cracklib.so retry=3 minlen=8
        """
        XCTAssertEqual(PlainText.paragraphs(PlainText.lines(sample)), [
            "Dies ist ein ganz normaler Absatz, der über mehrere Zeilen umbrochen wurde und im Verzeichnis \"/usr/share/doc/paketname\" liegt.",
            "Ein Listenpunkt mit genügend Wörtern, um als Absatz zu gelten;",
        ])
    }

    func testReSTStripsRolesDirectivesAndCode() {
        let sample = """
        :mod:`json` --- JSON encoder and decoder
        ========================================

        .. module:: json
           :synopsis: Encode and decode the JSON format.

        :mod:`json` exposes an API familiar to users of the standard library
        :mod:`marshal` and :mod:`pickle` modules, see :ref:`the tutorial <tut-json>`.

        Encoding basic Python object hierarchies::

            >>> import json
            >>> json.dumps(['foo'])

        .. note::
           Use :meth:`~json.JSONEncoder.encode` with ``sort_keys`` for *stable* output [#]_.

        .. function:: dumps(obj, *, skipkeys=False)
                      dump(obj, fp)

           Serialize *obj* to a JSON formatted :class:`str` using this table.

        .. code-block:: shell-session

            $ echo '{"json":"obj"}' | python -m json.tool

        =======  =========================
        Python   JSON
        =======  =========================
        dict     object of some kind here
        =======  =========================
        """
        XCTAssertEqual(ReST.paragraphs(sample), [
            "json exposes an API familiar to users of the standard library marshal and pickle modules, see the tutorial.",
            "Use encode with sort_keys for stable output.",
            "Serialize obj to a JSON formatted str using this table.",
        ])
    }

    func testReSTRolePrefixesAndEscapes() {
        let sample = #"""
        This was fixed in :issue:`13802` because :pep:`8` asks for it; you can unpack the archive to
        C:\\Temp on Windows, or type ``C:\Temp`` in the box that says \*here* in the installer window.
        """#
        XCTAssertEqual(ReST.paragraphs(sample), [#"This was fixed in bpo-13802 because PEP 8 asks for it; you can unpack the archive to C:\Temp on Windows, or type C:\Temp in the box that says *here* in the installer window."#])
    }

    func testBibleReferencesAndFoldoc() {
        XCTAssertEqual(Bible.splitReference("1Cor13:4 Charity suffereth long")?.chapter, "1Cor13")
        XCTAssertEqual(Bible.splitReference("Ge1:1 In the beginning")?.text, "In the beginning")
        XCTAssertNil(Bible.splitReference("In the beginning"))
        let entry = """
        00-database-info
           This is the dictionary's own header and is not a definition of anything.

        brontobyte

           <unit, data> A proposed unit of {data} equal to 10^27 {bytes}, or 1000
           {yottabytes}, which is not an official unit at all.

           [{Jargon File}]

           (2013-11-04)
        """
        XCTAssertEqual(Foldoc.definitions(entry), ["A proposed unit of data equal to 10^27 bytes, or 1000 yottabytes, which is not an official unit at all."])
    }

    func testAGNewsCleaning() {
        XCTAssertEqual(AGNews.clean("Bush #39;s plan,  quot;a test quot; for\\investors  amp; firms  #36;10 #151;now"),
                       "Bush's plan, \"a test\" for investors & firms $10—now")
        XCTAssertEqual(AGNews.clean("Texas Instruments Inc. &lt;TXN.N&gt;, and &lt;b&gt;bold&lt;/b&gt; camp; Up;"),
                       "Texas Instruments Inc., and bold camp; Up;")
        XCTAssertEqual(try CSV.rows("\"1\",\"He said \"\"hi\"\"\",\"x\"\n\n\"2\",\"a, b\",\"\"\n", file: "sample.csv").map(\.fields), [["1", "He said \"hi\"", "x"], ["2", "a, b", ""]])
        XCTAssertEqual(AGNews.document(title: "Title?", description: "Text."), "Title? Text.")
    }
}
