import Tensor

/// CoMiGS (docs/design.md §4): each MLP is a mixture of `generalists` shared LoRA
/// experts and per-client `specialists` that never leave the device; a
/// per-token router, trained on the validation split by alternating updates,
/// picks top-k of them. 1G1S, 2G, 2S and 1G + n_i S are this method with
/// different counts. The attention LoRA travels with the generalists (when
/// there is at least one); routers and specialists stay home.
public struct CoMiGS: CollaborationStrategy {
    public var generalists: Int
    /// Specialists per client (one value for all, or one per client).
    public var specialists: [Int]
    public var rank: Int
    public var schedule: RouterSchedule

    public init(generalists: Int = 1, specialists: [Int] = [1], rank: Int = 8, schedule: RouterSchedule = RouterSchedule()) {
        self.generalists = generalists
        self.specialists = specialists
        self.rank = rank
        self.schedule = schedule
    }

    public var name: String { Self.descriptor.name }

    public func specialists(client: Int) -> Int { specialists.count == 1 ? specialists[0] : specialists[client] }

    public func adapters(client: Int) -> AdapterConfig {
        AdapterConfig(rank: rank, experts: generalists + specialists(client: client))
    }

    public func shares(_ role: ParamRole) -> Bool {
        guard generalists > 0 else { return false }
        switch role {
        case .attentionLoRA: return true
        case .expertLoRA(let e, _): return roles.isGeneralist(e)
        case .base, .router: return false
        }
    }

    public var aggregator: any Aggregator { WeightedMean() }
    public var routerSchedule: RouterSchedule? { schedule }
    public var expertRoles: ExpertRoles? { roles }
    var roles: ExpertRoles { ExpertRoles(generalists: generalists) }
}

extension CoMiGS {
    /// `compat: "reference"` lets router gradients leak into the experts, as the original code does.
    public static let descriptor = MethodDescriptor("comigs", experts: .generalistsAndSpecialists) { o in
        var schedule = o.router
        schedule.leaksGradients = o.reference
        return CoMiGS(generalists: o.generalists, specialists: o.specialists, rank: o.ranks[0], schedule: schedule)
    }
}
