/// How a fresh parameter is initialised.
enum ParamInit {
    case normal(std: Float)
    case uniform(bound: Float)
    case zeros
    case ones
}

/// Creates a model's parameters in construction order, either freshly
/// initialised or sharing the values of an existing model (a replica that
/// computes its own gradients on another batch shard).
final class ParameterBuilder {
    let adapters: AdapterConfig
    let rng: RNG
    let shared: [Parameter]?
    private(set) var parameters: [Parameter] = []

    init(adapters: AdapterConfig, rng: RNG, sharing shared: [Parameter]? = nil) {
        self.adapters = adapters
        self.rng = rng
        self.shared = shared
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
        if let shared {
            let source = shared[parameters.count]
            precondition(source.name == name && source.value.shape == shape, "replica layout differs at \(name)")
            value = source.value
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
