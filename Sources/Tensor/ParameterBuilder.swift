/// How a fresh parameter is initialised.
enum ParamInit {
    case normal(std: Float)
    case uniform(bound: Float)
    case zeros
    case ones
}

/// Creates a model's parameters in construction order, either freshly
/// initialised or sharing the values of an existing model: every value (a replica that
/// computes its own gradients on another batch shard), or the base-role ones only (a model
/// on a frozen base held once, with adapters of its own).
final class ParameterBuilder {
    /// Which values come from an existing model's parameters (in its construction order).
    enum Sharing {
        case none
        case all([Parameter])
        case base([Parameter])
    }
    let adapters: AdapterConfig
    let rng: RNG
    let sharing: Sharing
    private(set) var parameters: [Parameter] = []
    /// Base-role parameters made so far (the index of the next in `.base`'s list).
    private var bases = 0

    init(adapters: AdapterConfig, rng: RNG, sharing: Sharing = .none) {
        self.adapters = adapters
        self.rng = rng
        self.sharing = sharing
    }

    /// The existing value this parameter shares, or nil when it gets a fresh one.
    private func sharedValue(_ name: String, _ role: ParamRole, _ shape: [Int]) -> Tensor? {
        let source: Parameter
        switch sharing {
        case .none: return nil
        case .all(let ps): source = ps[parameters.count]
        case .base(let ps):
            guard role == .base else { return nil }
            source = ps[bases]
            bases += 1
        }
        precondition(source.name == name && source.value.shape == shape, "shared layout differs at \(name)")
        return source.value
    }

    func make(_ name: String, _ role: ParamRole, _ shape: [Int], _ initial: ParamInit) -> Parameter {
        let trains: Bool
        let decays: Bool
        switch role {
        case .base: trains = adapters.trainBase; decays = trains && shape.count == 2
        case .attentionLoRA, .expertLoRA: trains = true; decays = true
        case .router: trains = true; decays = true  // the original's router AdamW group decays (`router_decay`)
        }
        let value: Tensor
        if let shared = sharedValue(name, role, shape) {
            value = shared
        } else {
            value = Tensor(shape)
            // Each parameter draws from its own stream, so adding an expert
            // never changes how the others are initialised.
            var r = rng.split(name)
            switch initial {
            case .normal(let std): value.fillNormal(std: std, rng: &r)
            case .uniform(let bound): value.fillUniform(bound: bound, rng: &r)
            case .zeros: break
            case .ones: value.fill(1)
            }
        }
        let p = Parameter(name: name, role: role, value: value, requiresGrad: trains, decays: decays)
        parameters.append(p)
        return p
    }
}
