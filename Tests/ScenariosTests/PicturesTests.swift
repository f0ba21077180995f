import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Simulator
import XCTest
@testable import comigs
@testable import Experiments
import Tensor

/// Elements, attributes and character data of an SVG, as an XML parser sees them.
final class SVGContent: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var texts: [String] = [], titles: [String] = []
    private var open: String?, chars = ""

    static func parse(_ path: String) throws -> SVGContent {
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let c = SVGContent()
        parser.delegate = c
        XCTAssertTrue(parser.parse(), "\(path): \(String(describing: parser.parserError))")
        XCTAssertEqual(c.elements.first?.name, "svg")
        return c
    }

    func count(_ name: String) -> Int { elements.filter { $0.name == name }.count }

    func parser(_ p: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        elements.append((name, attributes))
        if name == "text" || name == "title" { open = name; chars = "" }
    }

    func parser(_ p: XMLParser, foundCharacters s: String) { if open != nil { chars += s } }

    func parser(_ p: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(chars) } else if name == "title" { titles.append(chars) }
        open = nil
    }
}

final class PicturesTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "comigs-pictures-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A run folder: two clients evaluated at rounds 0, 2, 4 with perplexities
    /// `ppl[round][client]`; with routing, two experts over two layers.
    func makeRun(_ name: String, method: String, seed: Int, ppl: [[Double]], routing: Bool, base: String = "base.safetensors",
                 data: String = #"{"source": "synthetic"}"#) throws -> String {
        let run = dir + "/" + name
        try write(#"{"name": "\#(name)", "method": {"name": "\#(method)", "generalists": 1}, "model": {"base": "\#(base)"}, "data": \#(data), "clients": 2}"#,
                  run + "/scenario.json")
        var metrics: [MetricsRecord] = [], route: [RoutingRecord] = []
        for (k, row) in ppl.enumerated() {
            for (c, p) in row.enumerated() {
                metrics.append(MetricsRecord(round: 2 * k, step: 20 * k, simTime: 10.0 * Double(k) + Double(c), client: c, trainLoss: k == 0 ? nil : 2,
                                             testLoss: log(p), testPPL: p, scored: .beforeAggregation))
                for l in 0..<2 {
                    // The generalist share is 0.5 until the last evaluation, then 0.8 − 0.3·client + 0.1·layer.
                    let g = k == ppl.count - 1 ? 0.8 - 0.3 * Double(c) + 0.1 * Double(l) : 0.5
                    route.append(RoutingRecord(round: 2 * k, step: 20 * k, simTime: 1, client: c, layer: l, generalists: 1, top1Share: [g, 1 - g],
                                               meanProb: [0.5, 0.5], entropy: 0.6, generalToGeneralist: nil, privateToSpecialist: nil, accuracy: nil,
                                               posteriorCorrelation: nil, posteriorGap: nil, tokenIDOracle: nil, posteriorOracle: nil))
                }
            }
        }
        try writeLines(metrics, to: run + "/metrics.jsonl")
        if routing { try writeLines(route, to: run + "/routing.jsonl") }
        try writeJSON(RunSummary.fixture(name: name, label: method, method: method, seed: seed,
                                             clients: [.fixture(0, "alpha", testPPL: 1), .fixture(1, "beta", testPPL: 1)]),
                  to: run + "/summary.json")
        return run
    }

    func testNumbersAndEscapingAreDeterministic() {
        XCTAssertEqual([0, -0.001, 2.5, -3.14159, 12, 0.05, 1234.5678].map(SVG.num), ["0", "0", "2.5", "-3.14", "12", "0.05", "1234.57"])
        XCTAssertEqual(SVG.escape("<a & 'b'>\"\u{01}"), "&lt;a &amp; &apos;b&apos;&gt;&quot;\u{FFFD}")
        XCTAssertEqual(SVG.mix("#000000", "#ffffff", 0.5), "#808080")
        XCTAssertEqual(PlotCommand.format2(0.5), "0.50")
        XCTAssertEqual(PlotCommand.format2(0.04), "0.04")
    }

    func testAxesHaveNiceTicks() {
        let lin = Axis([4.2, 7.3], log: false, from: 0, to: 100)
        XCTAssertEqual(lin.ticks, [4, 5, 6, 7, 8])
        XCTAssertEqual(lin.px(6), 50)
        let lg = Axis([3, 40], log: true, from: 0, to: 100)
        XCTAssertEqual(lg.ticks, [2, 5, 10, 20, 50])
        XCTAssertEqual(lg.px(10), 50, accuracy: 1e-9)  // log 10 − log 2 = log 50 − log 10
        XCTAssertEqual(Axis([3, 4000], log: true, from: 0, to: 100).ticks, [1, 10, 100, 1000, 10000])
    }

    func testPlotDrawsOneLinePerRunAndTheGeneralistShares() throws {
        let a = try makeRun("a", method: "comigs", seed: 0, ppl: [[100, 120], [20, 30], [6, 8]], routing: true)
        let b = try makeRun("b", method: "fedavg", seed: 0, ppl: [[100, 120], [50, 50], [40, 44]], routing: false)
        let runs = try [a, b].map(RunResults.init)
        XCTAssertEqual(runs[0].meanPerplexity, [EvalPoint(round: 0, time: 1, ppl: 110), EvalPoint(round: 2, time: 11, ppl: 25),
                                                EvalPoint(round: 4, time: 21, ppl: 7)])
        let paths = try PlotCommand.write(runs, to: dir)
        XCTAssertEqual(paths.map { URL(fileURLWithPath: $0).lastPathComponent }, ["ppl_vs_time.svg", "ppl_vs_round.svg", "generalist_share.svg"])

        let round = try SVGContent.parse(paths[1])
        XCTAssertEqual(round.count("polyline"), 2)
        XCTAssertTrue(round.texts.contains("comigs seed 0") && round.texts.contains("fedavg seed 0"))
        XCTAssertTrue(round.texts.contains("mean test perplexity over clients (log scale)"))  // 7 … 110 spans > 10×
        // Rounds 0…4 span the plot from x = 72 to 720 − 190 = 530; ppl 110 → 7 on whole decades 1…1000.
        let first = round.elements.first { $0.name == "polyline" }!.attributes["points"]!
        XCTAssertTrue(first.hasPrefix("72,"), first)
        XCTAssertTrue(first.contains(" 530,"), first)
        XCTAssertEqual(round.count("svg"), 1)
        XCTAssertEqual(try SVGContent.parse(paths[0]).count("polyline"), 2)

        let heat = try SVGContent.parse(paths[2])
        XCTAssertTrue(heat.texts.contains("comigs seed 0"))
        XCTAssertFalse(heat.texts.contains("fedavg seed 0"))  // no routing data
        XCTAssertTrue(heat.texts.contains("alpha") && heat.texts.contains("beta") && heat.texts.contains("layer 1"))
        // Last evaluation only: 0.8 − 0.3c + 0.1l, never the earlier 0.5.
        XCTAssertEqual(heat.texts.filter { $0.hasPrefix("0.") }, ["0.80", "0.90", "0.50", "0.60"])
    }

    func testRepeatedMethodsAreLabelledByFolder() throws {
        let runs = try [makeRun("x1", method: "comigs", seed: 0, ppl: [[5, 6]], routing: false),
                        makeRun("x2", method: "comigs", seed: 0, ppl: [[5, 7]], routing: false)].map(RunResults.init)
        XCTAssertEqual(PlotCommand.labels(runs), ["x1", "x2"])
        let svg = LineChart.render(title: "t", x: "x", y: "y", series: [Series(label: "s", points: [(0, 4.2), (1, 7.3)])])
        XCTAssertTrue(svg.document.contains(">y</text>"))  // linear: no "(log scale)"
    }

    func testGlyphsAndLayout() {
        let bytes = Array("Hé\n".utf8).map(Int32.init) + [1, 0xC3]  // a control byte, a truncated UTF-8 lead
        XCTAssertEqual(TracePicture.glyphs(bytes), ["H", "é", "", "⏎", "·", "·"])
        let boxes = TracePicture.layout(["a", "⏎", "b"] + Array(repeating: "c", count: 60), newline: [false, true] + Array(repeating: false, count: 61))
        XCTAssertEqual(boxes[0].line, 0)
        XCTAssertEqual(boxes[2].line, 1)  // after the newline
        XCTAssertEqual(boxes[2].x, 0)
        // 688 px per line, an 11.8 px box and a 1 px gap per character: 53 boxes fit on line 1.
        XCTAssertEqual(boxes[54].line, 1)
        XCTAssertEqual(boxes[55].line, 2)
    }

    func testTraceColoursEveryTokenByItsTopExpert() throws {
        let cfg = GPTConfig(nLayer: 2, nHead: 1, nEmbd: 8, blockSize: 8, vocabSize: 256)
        let base = try GPT(config: cfg, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        try Checkpoint.save(base, to: dir + "/base.safetensors")
        let run = try makeRun("r", method: "comigs", seed: 0, ppl: [[5, 6]], routing: false, base: dir + "/base.safetensors",
                              data: #"{"source": "folder", "path": "\#(dir!)/data"}"#)
        var models: [GPT] = []
        try FileManager.default.createDirectory(atPath: run + "/clients", withIntermediateDirectories: true)
        for c in 0..<2 {
            let m = try GPT(config: cfg, adapters: AdapterConfig(rank: 2, experts: 2), rng: RNG(seed: 1, stream: "base"))
            var r = RNG(seed: UInt64(c), stream: "router")
            for p in m.parameters where p.role == .router { p.value.fillNormal(std: 3, rng: &r) }
            try Checkpoint.saveAdapters(m, to: run + "/clients/client-\(c).safetensors")
            models.append(m)
        }
        let text = "hello <world>\n&more"  // 19 bytes: three windows of the 8-token context
        try write(text, dir + "/sample.txt")
        try TraceCommand.run([run, "--client", "all", "--layer", "1", "--text", dir + "/sample.txt"])
        let svg = try SVGContent.parse(run + "/trace_clientall_layer1.svg")
        XCTAssertEqual(svg.titles.count, 2 * 19)
        let tokens = Array(text.utf8).map(Int32.init)
        for (c, m) in models.enumerated() {
            let top1 = TraceCommand.route(m, tokens, layer: 1).top1
            let shown = svg.titles[c * 19 ..< (c + 1) * 19].map { $0.contains("(specialist)") ? Int32(1) : 0 }
            XCTAssertEqual(shown, top1)
        }
        XCTAssertTrue(svg.titles.contains { $0.contains("(specialist)") } && svg.titles.contains { $0.contains("(generalist)") })
        XCTAssertTrue(svg.texts.contains("generalist (expert 0)") && svg.texts.contains("specialist (the others)"))
        XCTAssertTrue(svg.texts.contains("client 1: beta"))
        XCTAssertTrue(svg.texts.contains("<") && svg.texts.contains("&") && svg.texts.contains("⏎"))

        // --tokens reads the client's test split of folder data.
        let clients = (0..<2).map { c in
            ClientData(name: "c\(c)", tokens: Dictionary(uniqueKeysWithValues: ClientData.Split.allCases.map { ($0, (0..<6).map { Int32(7 + $0 + 10 * c) }) }))
        }
        try Dataset.write(clients, meta: DatasetMeta(tokenizer: "byte", vocab_size: 256, clients: ["c0", "c1"], tokens: [],
                                                     source: "folders", split_seed: 0, origins: false, parameters: [:]), to: dir + "/data")
        XCTAssertEqual(try TraceCommand.tokens(runDir: run, client: 1, count: 4), [17, 18, 19, 20])
        XCTAssertThrowsError(try TraceCommand.run([run, "--client", "5", "--layer", "0"])) { e in
            XCTAssertTrue("\(e)".contains("client-5.safetensors"), "\(e)")
        }
    }

    /// The legend names CoMiGS's roles that are present, and numbers the experts of every other mixture.
    func testTraceLegendNamesRolesOrNumbers() {
        let keys = { (roles: ExpertRoles?, experts: Int) in TracePicture.legend(roles, experts: experts).map { "\($0.text) #\($0.hue)" } }
        XCTAssertEqual(keys(ExpertRoles(generalists: 1), 4), ["generalist (expert 0) #0", "specialist (the others) #1"])
        XCTAssertEqual(keys(ExpertRoles(generalists: 2), 2), ["generalist (experts 0–1) #0"])
        XCTAssertEqual(keys(ExpertRoles(generalists: 0), 2), ["specialist (every expert) #1"])
        XCTAssertEqual(keys(nil, 7), (0..<7).map { "expert \($0) #\($0 % 6)" })
        XCTAssertEqual(TracePicture.label(1, ExpertRoles(generalists: 1)), "expert 1 (specialist)")
        XCTAssertEqual(TracePicture.label(1, nil), "expert 1")
    }

    /// A tiny real run (the small base, so each takes about a second) of `method`, from the
    /// package root; returns its folder.
    func tinyRun(_ method: String, rounds: Int, _ sets: [String] = []) throws -> String {
        let scenario = dir + "/tiny.json"
        try write(RunTests.tiny, scenario)
        let r = try comigs(["run", scenario, "--out", dir + "/runs", "--quiet", "--set", "method.name=" + method, "--set", "rounds=\(rounds)",
                            "--set", "model.base=models/synthetic-byte-mini.safetensors"] + sets.flatMap { ["--set", $0] }, cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.trimmingCharacters(in: .newlines)
    }

    /// `comigs trace` on a run of a method without a router draws nothing: exit 2, one line
    /// naming the method and why (one expert, or experts averaged).
    func testTraceRefusesAMethodWithoutARouter() throws {
        let unrouted = ["local", "fedavg", "centralized", "pcl", "ffa-lora", "fedsa-lora", "fdlora", "flexlora", "hetlora"]
        XCTAssertEqual(Set(unrouted + ["comigs", "fedavg-moe", "local-moe", "pfedmoe"]), Set(MethodRegistry.names), "classify every method")
        var refusals: [String: String] = [:]
        for name in unrouted {
            let run = try tinyRun(name, rounds: 0)
            for pick in ["all", "0"] {
                let r = try comigs(["trace", run, "--client", pick, "--layer", "0"], cwd: packageRoot)
                refusals[name] = r.stderr
                XCTAssertEqual(r.status, 2, "\(name): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("comigs: trace: \(name) has no router ("), r.stderr)
                XCTAssertTrue(r.stderr.hasSuffix("): there is no routing to draw\n"), r.stderr)
                XCTAssertEqual(r.stdout, "")
            }
            let page = try HTMLReport.run(run)
            XCTAssertTrue(page.contains("<h2>Routing trace</h2>\n<p>None: \(name) has no router ("), name)
            XCTAssertFalse(page.contains("<h2>Generalist share</h2>") || page.contains("<h2>Top-1 share per expert</h2>"), name)
        }
        XCTAssertEqual(refusals["fedavg"], "comigs: trace: fedavg has no router (its experts are averaged): there is no routing to draw\n")
        XCTAssertEqual(refusals["hetlora"], "comigs: trace: hetlora has no router (one expert): there is no routing to draw\n")
    }

    /// pFedMoE, FedAvg-MoE and Local-MoE have routers but no generalists or specialists: the
    /// trace, the share picture and the HTML page number their experts ("expert e") and never
    /// use CoMiGS's words, which a CoMiGS run keeps; a CoMiGS client with one expert is left
    /// out of `--client all` (with a note) and refused by number.
    func testExpertsAreNamedByTheMethodsRoles() throws {
        let cases: [(method: String, sets: [String], experts: Int, sharing: String)] = [
            ("pfedmoe", [], 2, "2 experts per client, expert 0 shared"),
            ("fedavg-moe", ["method.experts=3"], 3, "3 experts per client, every one shared"),
            ("local-moe", [], 2, "2 experts per client, none shared"),
            ("comigs", ["method.specialists=[0,1,1,1]"], 2, "1–2 experts per client, 1 of them generalist(s)"),
        ]
        for (method, sets, experts, sharing) in cases {
            let run = try tinyRun(method, rounds: 1, sets)
            let comigs_ = method == "comigs"
            let traced = try comigs(["trace", run, "--client", "all", "--layer", "1", "--tokens", "40"], cwd: packageRoot)
            XCTAssertEqual(traced.status, 0, traced.stderr)
            let trace = try SVGContent.parse(run + "/trace_clientall_layer1.svg")
            let panels = comigs_ ? [1, 2, 3] : [0, 1, 2, 3]
            XCTAssertEqual(trace.titles.count, 40 * panels.count, method)
            for c in panels { XCTAssertTrue(trace.texts.contains { $0.hasPrefix("client \(c):") }, "\(method): client \(c)") }
            let named = Set(trace.titles.map { $0.split(separator: "·")[1].trimmingCharacters(in: .whitespaces) })
            if comigs_ {
                XCTAssertFalse(trace.texts.contains { $0.hasPrefix("client 0:") })
                XCTAssertEqual(traced.stderr, "trace: client 0 has no router (one expert); left out\n")
                XCTAssertTrue(named.isSubset(of: ["expert 0 (generalist)", "expert 1 (specialist)"]) && !named.isEmpty, "\(named)")
                XCTAssertTrue(trace.texts.contains("generalist (expert 0)") && trace.texts.contains("specialist (the others)"))
                let one = try comigs(["trace", run, "--client", "0", "--layer", "1"], cwd: packageRoot)
                XCTAssertEqual(one.status, 2)
                XCTAssertEqual(one.stderr, "comigs: trace: client 0 of this comigs run has no router (one expert): there is no routing to draw\n")
            } else {
                XCTAssertTrue(named.isSubset(of: Set((0..<experts).map { "expert \($0)" })) && named.count > 1, "\(method): \(named)")
                for e in 0..<experts { XCTAssertTrue(trace.texts.contains("expert \(e)"), "\(method): legend of expert \(e)") }
                let document = try String(contentsOfFile: run + "/trace_clientall_layer1.svg", encoding: .utf8).lowercased()
                XCTAssertFalse(document.contains("generalist") || document.contains("specialist"), method)
            }

            // The share picture: the generalists' share for CoMiGS, else one panel per expert
            // whose cells are routing.jsonl's top-1 shares at the last evaluation.
            let plotted = try comigs(["plot", run], cwd: packageRoot)
            XCTAssertEqual(plotted.status, 0, plotted.stderr)
            let files = plotted.stdout.split(separator: "\n").map { URL(fileURLWithPath: String($0)).lastPathComponent }
            XCTAssertEqual(files, ["ppl_vs_time.svg", "ppl_vs_round.svg", comigs_ ? "generalist_share.svg" : "expert_share.svg"], method)
            let heat = try SVGContent.parse(run + "/" + files[2])
            let routing = try RunResults(run).routing
            let last = routing.filter { $0.round == routing.last!.round && $0.client == 1 && $0.layer == 0 }
            XCTAssertEqual(last.count, 1)
            if comigs_ {
                XCTAssertTrue(heat.texts.contains("generalist share"))
                XCTAssertTrue(heat.texts.contains(PlotCommand.format2(last[0].top1Share[0])))
            } else {
                for e in 0..<experts { XCTAssertTrue(heat.texts.contains { $0.hasSuffix("· expert \(e)") }, "\(method): panel \(e)") }
                XCTAssertEqual(heat.texts.filter { $0.contains("· expert") }.count, experts)
                // Panels of 4 clients × `layers` cells, row by row: client 1's first cell holds layer 0's share.
                let cells = heat.texts.filter { $0.count == 4 && $0.hasPrefix("0.") || $0 == "1.00" }, layers = routing.map(\.layer).max()! + 1
                XCTAssertEqual(cells.count, experts * 4 * layers)
                for e in 0..<experts {
                    XCTAssertEqual(cells[(e * 4 + 1) * layers], PlotCommand.format2(last[0].top1Share[e]), "\(method): expert \(e)")
                }
                let document = try String(contentsOfFile: run + "/expert_share.svg", encoding: .utf8).lowercased()
                XCTAssertFalse(document.contains("generalist") || document.contains("specialist"), method)
            }

            // The HTML page, outside the resolved scenario.json it quotes (whose keys name roles).
            let reported = try comigs(["report", run, "--html", run + "/report.html"], cwd: packageRoot)
            XCTAssertEqual(reported.status, 0, reported.stderr)
            let page = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
            let shown = page.replacingOccurrences(of: #"<details>[\s\S]*?</details>"#, with: "", options: .regularExpression)
            XCTAssertTrue(shown.contains("<tr><th>method</th><td>\(method) · \(sharing)</td></tr>"), method)
            XCTAssertTrue(shown.contains(comigs_ ? "<h2>Generalist share</h2>" : "<h2>Top-1 share per expert</h2>"), method)
            XCTAssertEqual(shown.components(separatedBy: "<svg ").count - 1, 5, "\(method): perplexity ×2, timeline, share, trace")
            if !comigs_ {
                XCTAssertNil(shown.lowercased().range(of: "generalist|specialist", options: .regularExpression), method)
            }
        }
    }
}
