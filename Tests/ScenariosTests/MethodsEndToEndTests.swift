import XCTest
@testable import Experiments
@testable import Simulator
@testable import Tensor

/// Every method, end to end through the run pipeline (`ScenarioRun`, in memory): 2 rounds on a
/// 4-client synthetic corpus from the pretrained synthetic base; each must end below the base's
/// mean test perplexity, which the same run scored at round 0.
final class MethodsEndToEndTests: XCTestCase {
    func testEveryMethodBeatsThePretrainedBase() throws {
        for method in MethodRegistry.all {
            var sets = ["name=e2e", "method.name=\(method.name)", "rounds=2", "local_steps=4", "batch=8", "micro_batch=8", "eval_every=2",
                        "data.synthetic.tokens=12000", "data.synthetic.private_share=0.7", "method.router_every=2", "method.router_iters=2", "method.pcl_windows=64",
                        "model.base=\(BaseModelTests.root)/models/synthetic-byte-tiny.safetensors", "outputs.save_adapters=false"]
            if method.perClientRanks { sets.append("method.rank=[8,8,16,16]") }
            let phones = JSON.array(Array(repeating: .object([("device", .string("mid"))]), count: 4))
            let scenario = try Scenario.make(.object([("data", .object([("source", .string("synthetic"))])), ("clients", phones)]), overrides: sets)
            let run = ScenarioRun(scenario, seed: 0, inputs: try RunInputs.load(scenario.config), workers: 2, quiet: true)
            let summary = try run.run(into: nil).summary
            let base = summary.clients.compactMap(\.basePPL).reduce(0, +) / 4
            let ppl = try XCTUnwrap(summary.meanTestPPL, method.name)
            XCTAssertLessThan(ppl, base, "\(method.name): mean test perplexity \(ppl) vs the base's \(base)")
        }
        XCTAssertThrowsError(try MethodRegistry.make("fedprox")) { XCTAssertTrue("\($0)".contains("unknown method 'fedprox'")) }
    }
}
