/// AdamW hyperparameters (docs/design.md §4: betas 0.9/0.95, decay 0.01 on LoRA matrices).
public struct AdamWConfig: Codable, Sendable, Equatable {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.95
    public var eps: Float = 1e-8
    public var weightDecay: Float = 0.01
    public init(beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }
}

/// AdamW over one group of parameters, with decoupled weight decay on the
/// parameters that decay. CoMiGS keeps separate groups (and states) for the
/// experts and for the router.
public final class AdamW: @unchecked Sendable {
    /// What `step(lr:)` updates (empty for moments made from a layout only).
    public let parameters: [Parameter]
    /// Shape and decay of each parameter the moments are for.
    let layout: [(shape: [Int], decays: Bool)]
    public let config: AdamWConfig
    /// First and second moments, one pair per parameter; nil until the first step (or a restore
    /// past it): they are zero until then, and a client of a large population that never trains
    /// should not hold them.
    private var held: (m: [Tensor], v: [Tensor])?
    public private(set) var steps = 0

    public init(_ parameters: [Parameter], config: AdamWConfig = AdamWConfig()) {
        self.parameters = parameters
        layout = parameters.map { ($0.value.shape, $0.decays) }
        self.config = config
    }

    /// Moments for parameters laid out as `parameters`, which it does not keep: each step names
    /// the parameters it moves (`step(lr:on:)`), such as the model a client borrows.
    public init(layoutOf parameters: [Parameter], config: AdamWConfig = AdamWConfig()) {
        self.parameters = []
        layout = parameters.map { ($0.value.shape, $0.decays) }
        self.config = config
    }

    private func zeros() -> (m: [Tensor], v: [Tensor]) { (layout.map { Tensor($0.shape) }, layout.map { Tensor($0.shape) }) }

    private func hold() -> (m: [Tensor], v: [Tensor]) {
        if let held { return held }
        let fresh = zeros()
        held = fresh
        return fresh
    }

    /// The moments (m, v) per parameter; nil before the first step, when they are all zero.
    public var moments: [(m: Tensor, v: Tensor)]? { held.map { Array(zip($0.m, $0.v)) } }

    /// The shape of each parameter the moments are for.
    public var shapes: [[Int]] { layout.map(\.shape) }

    /// Continues from a checkpoint: sets the step count; past step 0 the moments are held, for
    /// the checkpoint's values to be read into `moments`.
    public func restore(steps: Int) {
        self.steps = steps
        if steps > 0 { _ = hold() }
    }

    /// β^t as exp(t·ln β) in Double, rounded once to Float (glibc's powf differs by CPU).
    static func power(_ beta: Float, _ t: Int) -> Float { Float(PortableMath.exp(Double(t) * PortableMath.log(Double(beta)))) }

    public func step(lr: Float) { step(lr: lr, on: parameters) }

    /// One step of these moments on `targets`: parameters laid out as `parameters` (the same
    /// shapes and decay), such as the model a client borrows while it trains.
    public func step(lr: Float, on targets: [Parameter]) {
        precondition(targets.count == layout.count && zip(targets, layout).allSatisfy { $0.value.shape == $1.shape && $0.decays == $1.decays },
                     "AdamW: the parameters stepped are not laid out as its moments")
        let (m, v) = hold()
        steps += 1
        let b1 = config.beta1, b2 = config.beta2, eps = config.eps
        let c1 = 1 - Self.power(b1, steps), c2 = 1 - Self.power(b2, steps)
        for (i, p) in targets.enumerated() {
            let w = p.value.ptr, g = p.grad.ptr, mp = m[i].ptr, vp = v[i].ptr
            let decay: Float = p.decays ? 1 - lr * config.weightDecay : 1
            for j in 0..<p.value.count {
                let gj = g[j]
                let mj = b1 * mp[j] + (1 - b1) * gj
                let vj = b2 * vp[j] + (1 - b2) * gj * gj
                mp[j] = mj
                vp[j] = vj
                w[j] = w[j] * decay - lr * (mj / c1) / ((vj / c2).squareRoot() + eps)
            }
        }
    }
}

/// Learning-rate schedules of docs/design.md §4.
public enum LRSchedule: Sendable, Equatable {
    case constant(Float)
    /// Cosine decay from `peak` to `peak · floor` over `steps` steps.
    case cosine(peak: Float, steps: Int, floor: Float = 0.1)

    public func lr(at step: Int) -> Float {
        switch self {
        case .constant(let lr): return lr
        case .cosine(let peak, let steps, let floor):
            let t = Double(min(max(step, 0), steps)) / Double(max(steps, 1))
            let cosv = 0.5 * (1 + PortableMath.cos(Double.pi * t))
            return peak * Float(Double(floor) + (1 - Double(floor)) * cosv)
        }
    }
}

