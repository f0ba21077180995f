import Foundation
import Simulator
import Tensor
import XCTest
@testable import comigs
@testable import Experiments

/// Issue 17 §4: `comigs report RUN_DIR --html` — the timeline's geometry from known events,
/// escaping and self-containment of the page, bad inputs, and a real run's page rendered by
/// headless Chromium.
final class HTMLReportTests: XCTestCase {
    var dir: String!
    override func setUpWithError() throws { dir = try temporaryDirectory("html") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// An event at `t` seconds (whole microseconds).
    func ev(_ t: Double, _ kind: EventKind, _ round: Int, _ client: Int? = nil) -> EventRecord {
        EventRecord(time: SimTime((t * 1e6).rounded()), kind: kind, round: round, client: client)
    }

    /// Round 0: client 0 downloads until 1 s, trains until 5 s, uploads until 6 s; client 1
    /// downloads until 2 s and fails at 3 s. Round 1 (deadline at 8 s): client 0 downloads until
    /// 7 s, client 1 until 6.5 s, and both are dropped at the deadline.
    /// Client 2 is selected for neither round.
    static let syncEvents: [(Double, EventKind, Int, Int?)] = [
        (0, .roundStart, 0, nil), (1, .downloadDone, 0, 0), (2, .downloadDone, 0, 1), (3, .clientFailure, 0, 1),
        (5, .trainingDone, 0, 0), (6, .uploadDone, 0, 0), (6, .aggregation, 0, nil), (6, .roundStart, 1, nil),
        (6.5, .downloadDone, 1, 1), (7, .downloadDone, 1, 0), (8, .dropped, 1, 0), (8, .dropped, 1, 1), (8, .deadline, 1, nil),
        (8, .aggregation, 1, nil),
    ]

    func syncTimeline() -> Timeline {
        Timeline(events: Self.syncEvents.map { ev($0.0, $0.1, $0.2, $0.3) },
                 rounds: [.span(0, 0, 6, selected: [0, 1]), .span(1, 6, 8, selected: [0, 1])],
                 async: false, clients: 3)
    }

    func testSyncBarsStartAtTheRoundStart() {
        let t = syncTimeline()
        typealias B = Timeline.Bar
        XCTAssertEqual(t.bars, [B(client: 0, round: 0, phase: .download, start: 0, end: 1), B(client: 1, round: 0, phase: .download, start: 0, end: 2),
                                B(client: 1, round: 0, phase: .training, start: 2, end: 3), B(client: 0, round: 0, phase: .training, start: 1, end: 5),
                                B(client: 0, round: 0, phase: .upload, start: 5, end: 6), B(client: 1, round: 1, phase: .download, start: 6, end: 6.5),
                                B(client: 0, round: 1, phase: .download, start: 6, end: 7), B(client: 0, round: 1, phase: .training, start: 7, end: 8),
                                B(client: 1, round: 1, phase: .training, start: 6.5, end: 8)])
        XCTAssertEqual(t.marks, [Timeline.Event(client: 1, round: 0, mark: .failure, time: 3), Timeline.Event(client: 0, round: 1, mark: .late, time: 8),
                                 Timeline.Event(client: 1, round: 1, mark: .late, time: 8)])
        XCTAssertEqual(t.absences, [Timeline.Absence(client: 2, round: 0, start: 0, end: 6), Timeline.Absence(client: 2, round: 1, start: 6, end: 8)])
        XCTAssertEqual(t.aggregations, [6, 8])
        XCTAssertEqual(t.deadlines, [8])
        XCTAssertEqual(t.end, 8)
    }

    /// Under async a client starts at the last freed slot: client 0 uploads at 3.5 s and starts
    /// again; its second download ends at 4.2 s and its training is cut by the run's end at 5 s.
    /// Client 1's stale update is a marker, not a bar.
    func testAsyncBarsStartWhereASlotFreed() {
        let events = [ev(0, .roundStart, 0), ev(0.5, .downloadDone, 0, 0), ev(1, .downloadDone, 0, 1), ev(3, .trainingDone, 0, 0),
                      ev(3.5, .uploadDone, 0, 0), ev(4, .trainingDone, 0, 1), ev(4.2, .downloadDone, 0, 0), ev(5, .uploadDone, 0, 1),
                      ev(5, .dropped, 0, 1)]
        let t = Timeline(events: events, rounds: [.span(0, 0, 5, selected: [0])], async: true, clients: 2)
        XCTAssertEqual(t.bars.filter { $0.phase == .download }.map { [Double($0.client), $0.start, $0.end] }, [[0, 0, 0.5], [1, 0, 1], [0, 3.5, 4.2]])
        XCTAssertEqual(t.bars.filter { $0.client == 1 }.map(\.phase), [.download, .training, .upload])
        XCTAssertEqual(t.bars.last, Timeline.Bar(client: 0, round: 0, phase: .training, start: 4.2, end: 5, cut: true))
        XCTAssertEqual(t.bars.filter(\.cut).count, 1)
        XCTAssertEqual(t.marks, [Timeline.Event(client: 1, round: 0, mark: .stale, time: 5)])
        XCTAssertEqual(t.absences, [], "async rounds do not say who sat out")
    }

    /// Each shape of the SVG that has a tooltip, by its tooltip.
    func shapes(_ svg: SVG) throws -> [String: [String: String]] {
        let path = dir + "/picture.svg"
        try svg.write(to: path)
        let c = try SVGContent.parse(path)
        var out: [String: [String: String]] = [:], k = 0
        for (i, e) in c.elements.enumerated() where e.name == "title" {
            out[c.titles[k]] = c.elements[i - 1].attributes
            k += 1
        }
        return out
    }

    /// The x axis runs 0…8 s over x = 120…1056 px: 117 px a second.
    func testBarsAndMarkersSitAtTheirTimes() throws {
        let t = syncTimeline()
        XCTAssertEqual(TimelinePicture.axis(t).px(8), 1056)
        let s = try shapes(TimelinePicture.render(t, title: "t", names: { ["alpha", "beta", "gamma"][$0] }))
        let training = try XCTUnwrap(s["beta · round 0 · training 2–3 s"])
        XCTAssertEqual(training["x"], "354")
        XCTAssertEqual(training["width"], "117")
        XCTAssertEqual(training["fill"], TimelinePicture.colours[.training])
        XCTAssertEqual(s["alpha · round 0 · upload 5–6 s"]?["x"], "705")
        XCTAssertEqual(s["beta · round 1 · download 6–6.5 s"]?["width"], "58.5")
        XCTAssertEqual(s["gamma · round 1: not selected"]?["x"], "822")
        // Rows of 22 px from y = 96: beta's bars are 60% of its row, centred.
        XCTAssertEqual(training["y"], SVG.num(96 + 22 + 22 * 0.2))
        let failure = try XCTUnwrap(s["beta · round 0 · failed or went offline, update lost at 3 s"]?["points"])
        let xs = failure.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }
        XCTAssertEqual((xs.min()! + xs.max()!) / 2, 471, accuracy: 0.01, "centred on 3 s")
        XCTAssertNotNil(s["alpha · round 1 · dropped (late) at 8 s"])
        XCTAssertEqual(s["alpha · round 1 · training 7–8 s"]?["x"], "939", "cut at the drop")
    }

    func testManyClientsAreCappedAndSaidSo() throws {
        let events = [ev(0, .roundStart, 0), ev(1, .downloadDone, 0, 5), ev(1, .downloadDone, 0, 99)]
        let t = Timeline(events: events, rounds: [], async: false, clients: 100)
        let svg = TimelinePicture.render(t, title: "t", names: { "client \($0)" })
        let s = try shapes(svg)
        XCTAssertNotNil(s["client 5 · round 0 · download 0–1 s"])
        XCTAssertNil(s["client 99 · round 0 · download 0–1 s"])
        XCTAssertTrue(svg.document.contains(">showing the first 60 of 100 clients<"))
        XCTAssertEqual(TimelinePicture.rowHeight(rows: 60), 10)
        XCTAssertEqual(svg.height, 96 + 600 + 52)
    }

    /// A finished run folder written by hand (in `folder` under the test's folder): two
    /// clients, one evaluation, sync rounds; `label` is its report row.
    func makeRun(name: String, folder: String = "run", label: String = "fedavg", events: String? = nil) throws -> String {
        let run = dir + "/" + folder
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        let syncLines: [String] = Self.syncEvents.prefix(7).map { e in
            TimelineEvent(time: SimTime(e.0 * 1e6), kind: e.1, round: e.2, client: e.3 ?? -1).jsonLine + "\n"
        }
        let metrics = [12.5, 14.5].enumerated().map { c, p in
            MetricsRecord(round: 1, step: 2, simTime: 6, client: c, trainLoss: nil, testLoss: log(p), testPPL: p, scored: .beforeAggregation)
        }
        var summary = RunSummary.fixture(name: name, label: label, method: "fedavg", seed: 0,
                                         clients: [.fixture(0, "a&b", device: "low", testPPL: 12.5, bayesPPL: 10.25), .fixture(1, "<i>", testPPL: 14.5)],
                                         mean: 13.5, bytesUp: 1000, simTime: 6)
        summary.baseMisfits = [1]
        try writeLines(metrics, to: run + "/metrics.jsonl")
        try writeJSON(summary, to: run + "/summary.json")
        try writeLines([RoundRecord.span(0, 0, 6, selected: [0, 1])], to: run + "/rounds.jsonl")
        let files: [String: String] = [
            "scenario.json": #"{"name": \#(JSON.quote(name)), "label": \#(JSON.quote(label)), "rounds": 1, "local_steps": 2, "batch": 4, "micro_batch": 4, "eval_every": 1, "eval_when": "before_aggregation", "method": {"name": "fedavg"}, "policy": {"name": "deadline", "deadline_s": 9.0, "partial": false, "buffer": 2}, "model": {"base": "none.safetensors"}}"#,
            "events.jsonl": events ?? syncLines.joined(),
        ]
        for (f, text) in files { try Data(text.utf8).write(to: URL(fileURLWithPath: run + "/" + f)) }
        return run
    }

    func testThePageEscapesTextAndNeedsNothingFromOutside() throws {
        XCTAssertEqual(HTMLReport.table(["a<b"], [["x & y"], ["3.5"]]),
                       "<table>\n<tr><th>a&lt;b</th></tr>\n<tr><td>x &amp; y</td></tr>\n<tr><td class=\"n\">3.5</td></tr>\n</table>\n")
        // A name is one file name (no '/'), but may still hold markup.
        let page = try HTMLReport.run(makeRun(name: #"<script>alert("x")"#))
        XCTAssertFalse(page.contains("<script"))
        XCTAssertTrue(page.contains("<h1>&lt;script&gt;alert(&quot;x&quot;) — fedavg, seed 0</h1>"))
        XCTAssertTrue(page.contains("<td>a&amp;b</td>") && page.contains("<td>&lt;i&gt;</td>"))
        // Every member of summary.json's clients is a column: the extra one too, blank where absent.
        XCTAssertTrue(page.contains("<th>bayes ppl</th>") && page.contains("<td class=\"n\">10.250</td>") && page.contains("<td>—</td>"))
        XCTAssertTrue(page.contains("Mean test perplexity 13.500 over 2 clients"))
        XCTAssertTrue(page.contains("<tr><th>base_misfits</th><td>1</td></tr>"), "a list of numbers is a value, not a table")
        XCTAssertTrue(page.contains("<td>deadline · deadline_s 9.000 · partial false</td>"), "the deadline policy's keys, not async's buffer")
        XCTAssertTrue(page.contains("<p>None: fedavg has no router (its experts are averaged).</p>"))
        XCTAssertEqual(page.components(separatedBy: "<svg ").count - 1, 3, "two perplexity charts and the timeline")
        // Self-contained: nothing to fetch, nothing to run (the only URL is SVG's namespace name).
        for outside in ["src=", "href=", "<link", "@import", "url(", "<script"] { XCTAssertFalse(page.contains(outside), outside) }
        XCTAssertEqual(Set(page.components(separatedBy: "http").dropFirst().map { $0.prefix(24) }), ["://www.w3.org/2000/svg\" "])
    }

    /// A sweep's folder: its table, the warning of a missing run, and a chart per row label.
    func testASweepPageHasTheTableAndAChartPerRow() throws {
        _ = try makeRun(name: "s", folder: "sweep/x-seed0", label: "x<1>")
        _ = try makeRun(name: "s", folder: "sweep/y-seed0", label: "y")
        try writeJSON(Sweep.Manifest(name: "s", runs: ["x-seed0", "y-seed0", "z-seed0"]), to: dir + "/sweep/" + Sweep.manifest)
        let page = try HTMLReport.runs(Report.collect([dir + "/sweep"]), title: "sweep")
        XCTAssertTrue(page.contains("<strong>Incomplete sweep: 1 of 3 runs are not finished</strong> (first: z-seed0)."))
        XCTAssertTrue(page.contains("<tr><th>method</th><th>seeds</th><th>mean test ppl</th><th>a&amp;b ppl</th><th>&lt;i&gt; ppl</th>"))
        XCTAssertTrue(page.contains("<tr><td>x&lt;1&gt;</td><td class=\"n\">1</td><td class=\"n\">13.50</td><td class=\"n\">12.50</td>"))
        XCTAssertTrue(page.contains("<h3>x&lt;1&gt;</h3>") && page.contains("<h3>y</h3>"))
        XCTAssertEqual(page.components(separatedBy: "<svg ").count - 1, 2)
    }

    /// Through the executable: exit code 2 and one line naming the file.
    func testBadRunFoldersNameTheFile() throws {
        let run = try makeRun(name: "bad", events: #"{"t_us":0,"event":"round_start","round":0}"# + "\n" + #"{"t_us":1,"event":"lunch","round":0}"# + "\n")
        let out = dir + "/report.html"
        var r = try comigs(["report", run, "--html", out])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("comigs: \(run)/events.jsonl:2: "), r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        try FileManager.default.removeItem(atPath: run + "/rounds.jsonl")
        try Data().write(to: URL(fileURLWithPath: run + "/events.jsonl"))
        r = try comigs(["report", run, "--html", out])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr, "comigs: \(run)/rounds.jsonl: missing (not a finished run folder?)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A small real run (stragglers, failures, a router), its page, rendered by headless
    /// Chromium: a PNG of the window's size with more than a few colours, and a DOM that holds
    /// the run's mean test perplexity as the page prints it and all five pictures.
    func testChromiumRendersTheReportOfARealRun() throws {
        let chromium = try chromiumPath()
        let scenario = dir + "/s.json"
        try Data("""
            {"name": "html", "rounds": 3, "local_steps": 2, "batch": 4, "micro_batch": 4, "eval_windows": 8, "eval_every": 1,
             "data": {"source": "synthetic", "synthetic": {"tokens": 20000}},
             "clients": [{"name": "budget", "device": "low"}, {"name": "flagship", "device": "high"}, {"name": "mid", "device": "mid"}],
             "method": {"name": "comigs", "generalists": 1, "specialists": 1},
             "heterogeneity": {"straggler": {"kind": "fixed", "probability": 0.3, "factor": 5}, "dropout": {"failure": 0.2}}}
            """.utf8).write(to: URL(fileURLWithPath: scenario))
        let ran = try comigs(["run", scenario, "--out", dir + "/runs", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(ran.status, 0, ran.stderr)
        let run = try XCTUnwrap(ran.stdout.split(separator: "\n").last.map(String.init))
        let html = dir + "/report.html", png = dir + "/report.png"
        let report = try comigs(["report", run, "--html", html], cwd: packageRoot)
        XCTAssertEqual(report.status, 0, report.stderr)
        let image = try render(html, png)
        XCTAssertEqual(image["width"]?.doubleValue, 1200)
        XCTAssertEqual(image["height"]?.doubleValue, 3000)
        XCTAssertGreaterThan(image["colours"]?.doubleValue ?? 0, 50, "a blank or near-blank page")

        let dom = try execute(URL(fileURLWithPath: chromium), ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", URL(fileURLWithPath: html).absoluteString], cwd: nil)
        let summary = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: run + "/summary.json")))
        let mean = try XCTUnwrap(summary["mean_test_ppl"]?.doubleValue)
        XCTAssertTrue(dom.stdout.contains("Mean test perplexity \(String(format: "%.3f", mean)) over 3 clients"), String(dom.stdout.prefix(2000)))
        // Perplexity against time and round, generalist share, routing trace, timeline.
        XCTAssertEqual(dom.stdout.components(separatedBy: "<svg ").count - 1, 5, String(dom.stdout.prefix(2000)))
        XCTAssertTrue(dom.stdout.contains(">budget</text>") && dom.stdout.contains("client 2: mid"))
    }

    /// render-html.sh with a page and a PNG whose paths hold a space, '#', '?', '%' and
    /// non-ASCII: the page itself is rendered (its three bands: exactly three colours), not
    /// Chromium's "file not found" page or nothing.
    func testRenderScriptTakesPathsWithSpecialCharacters() throws {
        _ = try chromiumPath()
        let folder = dir + "/a b #1 ?q=é %41"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let html = folder + "/page #2 ?ü.html", png = folder + "/shot #3 ?ä.png"
        try Data("""
            <!DOCTYPE html><html><body style="margin:0"><div style="height:100px;background:#c00000"></div>
            <div style="height:100px;background:#00c000"></div><div style="height:100px;background:#0000c0"></div></body></html>
            """.utf8).write(to: URL(fileURLWithPath: html))
        let image = try render(html, png, size: "300,300")
        XCTAssertEqual([image["width"], image["height"], image["colours"]].map { $0?.doubleValue }, [300, 300, 3])
    }

    /// Headless Chromium's path; missing fails on CI and skips elsewhere.
    func chromiumPath() throws -> String {
        let chromium = try shell("command -v chromium || command -v chromium-browser").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !chromium.isEmpty else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("chromium missing; run scripts/test-tools.sh") }
            throw XCTSkip("chromium missing: bash scripts/test-tools.sh")
        }
        return chromium
    }

    /// scripts/render-html.sh on `html` (it must succeed), then scripts/png-info.py on the PNG.
    func render(_ html: String, _ png: String, size: String? = nil) throws -> JSON {
        let rendered = try execute(URL(fileURLWithPath: "/bin/bash"), [packageRoot + "/scripts/render-html.sh", html, png] + (size.map { [$0] } ?? []), cwd: nil)
        XCTAssertEqual(rendered.status, 0, rendered.stderr)
        let info = try execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3", packageRoot + "/scripts/png-info.py", png], cwd: nil)
        XCTAssertEqual(info.status, 0, info.stderr)
        return try JSON.parse(info.stdout)
    }
}
