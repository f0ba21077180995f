/// Which of the two low-rank factors a LoRA matrix is.
public enum LoRAFactor: String, Sendable, Hashable, Codable { case a = "A", b = "B" }

/// What a parameter is for. Methods choose what to train, keep private or
/// share by role, never by matching names.
public enum ParamRole: Sendable, Hashable, CustomStringConvertible {
    /// Pretrained weights (frozen unless the model trains its base).
    case base
    /// LoRA on the attention `c_attn` / `c_proj` (one copy, no experts).
    case attentionLoRA(LoRAFactor)
    /// LoRA of MLP expert `expert` (0-based) on `c_fc` / `c_proj`.
    case expertLoRA(expert: Int, LoRAFactor)
    /// A per-layer router matrix.
    case router

    public var isLoRA: Bool {
        switch self { case .attentionLoRA, .expertLoRA: true; default: false }
    }
    public var expert: Int? { if case .expertLoRA(let e, _) = self { e } else { nil } }
    /// A or B for LoRA matrices, nil otherwise.
    public var loraFactor: LoRAFactor? {
        switch self {
        case .attentionLoRA(let f), .expertLoRA(_, let f): f
        case .base, .router: nil
        }
    }

    public var description: String {
        switch self {
        case .base: "base"
        case .attentionLoRA(let f): "attention LoRA \(f.rawValue)"
        case .expertLoRA(let e, let f): "expert \(e) LoRA \(f.rawValue)"
        case .router: "router"
        }
    }
}

/// A named weight with its role, its value, and (while it trains) its gradient.
public final class Parameter: @unchecked Sendable {
    /// nanoGPT-style checkpoint name, e.g. `transformer.h.3.mlp.experts.1.c_fc.lora_A`.
    public let name: String
    public let role: ParamRole
    public let value: Tensor
    /// Whether backward computes this parameter's gradient. Alternating
    /// (bi-level) training flips it between expert and router steps.
    public var requiresGrad: Bool
    /// AdamW's decoupled weight decay applies (LoRA matrices; base matrices
    /// when the base itself trains).
    public let decays: Bool

    public private(set) lazy var grad = Tensor(value.shape)

    public init(name: String, role: ParamRole, value: Tensor, requiresGrad: Bool, decays: Bool) {
        self.name = name
        self.role = role
        self.value = value
        self.requiresGrad = requiresGrad
        self.decays = decays
    }

    /// The same parameter (name, role, flags) holding `value` instead, with no gradient: a
    /// client's shared parameter that takes or leaves a value held by every client.
    public func holding(_ value: Tensor) -> Parameter {
        precondition(value.shape == self.value.shape, "\(name): \(value.shape) held for \(self.value.shape)")
        return Parameter(name: name, role: role, value: value, requiresGrad: requiresGrad, decays: decays)
    }

    /// The gradient buffer when backward should fill it, else nil.
    @inline(__always) public var gradIfNeeded: UnsafeMutablePointer<Float>? { requiresGrad ? grad.ptr : nil }
    @inline(__always) public var ptr: UnsafeMutablePointer<Float> { value.ptr }
}
