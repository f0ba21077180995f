import XCTest
@testable import Scenarios
@testable import Simulator
@testable import Tensor

/// Every method, end to end on the simulator: 2 rounds on a 4-client synthetic
/// corpus from the pretrained synthetic base; each must beat the base's test loss.
final class MethodsEndToEndTests: XCTestCase {
    func testEveryMethodBeatsThePretrainedBase() throws {
        let base = try Checkpoint.load(BaseModelTests.root + "/models/synthetic-byte-tiny.safetensors")
        var spec = SyntheticCorpus.Spec()
        spec.tokens = [12_000]
        spec.privateShare = 0.7
        let data = SyntheticCorpus(spec).clients()
        func meanTestLoss(_ model: GPT) -> Double {
            data.map { c in (c.tokens[.test] ?? []).withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: 128).loss } }
                .reduce(0, +) / Double(data.count)
        }
        let baseLoss = meanTestLoss(base)
        var options = MethodOptions()
        options.ranks = [8, 8, 16, 16]
        options.router = RouterSchedule(every: 2, iters: 2)
        for method in MethodRegistry.all {
            let name = method.name, strategy = method.make(options)
            let clientsData = method.pooled ? [ClientData.pooled(data)] : data
            var t = TrainingConfig(totalSteps: 8)
            t.batch = 8
            t.microBatch = 8
            let fed = try Federation(base: base, data: clientsData, strategy: strategy, training: t, seed: 0, workers: 2)
            if method.pooled { fed.training.batch == 256 ? () : XCTFail("centralized batch") }
            let sims = (0..<fed.count).map { i in
                SimClient(device: .mid, stepFlops: 1e9, localSteps: 4, uploadBytes: fed.sharedBytes(i), downloadBytes: fed.sharedBytes(i))
            }
            let sim = Simulation(clients: sims, config: SimulationConfig(rounds: 2))
            sim.numerics = fed
            _ = try sim.run()
            let loss = method.pooled ? meanTestLoss(fed.model(0))
                : (0..<4).map { i in (data[i].tokens[.test] ?? []).withUnsafeBufferPointer {
                    Evaluation.evaluate(fed.model(i), tokens: $0, context: 128).loss } }.reduce(0, +) / 4
            XCTAssertLessThan(loss, baseLoss, "\(name): mean test loss \(loss) vs base \(baseLoss)")
        }
        XCTAssertThrowsError(try MethodRegistry.make("fedprox")) { XCTAssertTrue("\($0)".contains("unknown method 'fedprox'")) }
    }
}
