import Dispatch

/// A batch of `batch` sequences of `time` tokens, targets shifted by one.
public struct TokenBatch: Sendable {
    public var inputs: [Int32]
    public var targets: [Int32]
    public var batch: Int
    public var time: Int
    public init(inputs: [Int32], targets: [Int32], batch: Int, time: Int) {
        precondition(inputs.count == batch * time && targets.count == batch * time)
        self.inputs = inputs
        self.targets = targets
        self.batch = batch
        self.time = time
    }
}

/// Losses of one optimisation step (means over its micro-batches).
public struct StepLoss: Sendable {
    public var ce: Double
    public var loadBalance: Float
}

/// Forward + backward over micro-batches with gradient accumulation: the
/// gradient is that of the mean loss over all micro-batches.
public enum Trainer {
    /// Zeroes the gradients (unless `zeroFirst` is false: they add to what is there), accumulates
    /// over `micro`, returns the mean losses. A non-finite loss or gradient throws, naming the
    /// parameter role.
    public static func accumulate(_ model: GPT, micro: [TokenBatch], lambdaLB: Float, zeroFirst: Bool = true) throws -> StepLoss {
        if zeroFirst { model.zeroGrad() }
        var ce = 0.0
        var lb: Float = 0
        let m = Float(micro.count)
        for mb in micro {
            let s = step(model, mb, share: m, lambdaLB: lambdaLB)
            ce += s.meanCE / Double(micro.count)
            lb += s.loadBalance / m
        }
        try checkFinite(model, ce: ce)
        return StepLoss(ce: ce, loadBalance: lb)
    }

    /// Forward and backward of one micro-batch whose loss is 1/`share` of the step's mean.
    static func step(_ model: GPT, _ mb: TokenBatch, share: Float, lambdaLB: Float) -> ForwardStats {
        let s = model.forward(mb)
        model.backward(ceScale: 1 / (share * Float(s.tokens)), lbWeight: lambdaLB / share)
        return s
    }

    /// Gradients first, so a non-finite loss is reported with the first parameter it reached.
    static func checkFinite(_ model: GPT, ce: Double) throws {
        for p in model.parameters where p.requiresGrad {
            let g = p.grad.ptr
            var s: Float = 0
            for j in 0..<p.grad.count { s += g[j] * 0 }  // NaN/inf propagate through 0·x
            if !s.isFinite { throw ModelError.nonFinite("non-finite gradient in \(p.role) parameter \(p.name) (training loss \(ce))") }
        }
        guard ce.isFinite else { throw ModelError.nonFinite("non-finite training loss \(ce)") }
    }
}

/// Data-parallel training of one model on S batch shards at once: each shard
/// runs on a replica (shared weights, own activations and gradients) on its
/// own thread with single-threaded BLAS, and the shard gradients are summed
/// in shard order, so the result depends on S but never on thread timing.
public final class ShardedTrainer: @unchecked Sendable {
    public let model: GPT
    public let replicas: [GPT]

    public init(_ model: GPT, shards: Int) {
        self.model = model
        replicas = [model] + (1..<max(1, shards)).map { _ in model.replica() }
    }

    /// One step's gradient on `batch`, split evenly over the shards by sequence.
    public func accumulate(_ batch: TokenBatch, lambdaLB: Float) throws -> StepLoss {
        let s = replicas.count
        precondition(batch.batch % s == 0, "batch \(batch.batch) does not split into \(s) shards")
        let per = batch.batch / s, len = per * batch.time
        let shards = (0..<s).map { i in
            TokenBatch(inputs: Array(batch.inputs[i * len ..< (i + 1) * len]),
                       targets: Array(batch.targets[i * len ..< (i + 1) * len]), batch: per, time: batch.time)
        }
        let results = Slots<StepLoss>(s)
        let replicas = self.replicas
        DispatchQueue.concurrentPerform(iterations: s) { i in
            let r = replicas[i]
            r.zeroGrad()
            let st = Trainer.step(r, shards[i], share: Float(s), lambdaLB: lambdaLB)
            results[i] = StepLoss(ce: st.meanCE, loadBalance: st.loadBalance)
        }
        for r in replicas.dropFirst() {
            for (p, q) in zip(model.parameters, r.parameters) where p.requiresGrad { p.grad.add(q.grad) }
        }
        let ce = results.values.reduce(0) { $0 + $1.ce } / Double(s)
        let lb = results.values.reduce(Float(0)) { $0 + $1.loadBalance } / Float(s)
        try Trainer.checkFinite(model, ce: ce)
        return StepLoss(ce: ce, loadBalance: lb)
    }
}

extension GPT {
    /// Forward pass on a token batch with its targets.
    @discardableResult
    public func forward(_ b: TokenBatch) -> ForwardStats {
        b.inputs.withUnsafeBufferPointer { x in
            b.targets.withUnsafeBufferPointer { y in forward(inputs: x, targets: y, batch: b.batch, time: b.time) }
        }
    }
}
