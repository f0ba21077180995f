import Simulator
import Tensor

/// A run's method rebuilt from its scenario.json, for pictures and reports: which clients'
/// MLPs route (`AdapterConfig.hasRouter` of the method's adapters) and what its experts are
/// called — "generalist"/"specialist" by the method's `ExpertRoles` (CoMiGS), else "expert e".
package struct RunMethod {
    package let name: String
    package let strategy: any CollaborationStrategy
    package let clients: Int

    /// Errors: a scenario.json that no longer validates (naming the file).
    package init(_ run: RunResults) throws {
        do {
            // A comigs run that fitted specialists to memory records, per client, the count it used.
            let used = run.summary?.clients.compactMap(\.specialists) ?? []
            let c = try Scenario.make(run.scenario).config
            strategy = used.count == c.clientCount ? c.strategy(specialists: used) : c.strategy
            name = c.method.name
            clients = c.clientCount
        } catch let e as ScenarioError {
            throw RunResults.Error(description: "\(run.path)/scenario.json: \(e)")
        }
    }

    package var roles: ExpertRoles? { strategy.expertRoles }

    package func routes(client i: Int) -> Bool { strategy.adapters(client: i).hasRouter }

    /// Why client i's MLP routes no token ("one expert", "its experts are averaged"); nil when it routes.
    package func withoutRouter(client i: Int) -> String? { strategy.adapters(client: i).withoutRouter }

    /// "fedavg has no router (its experts are averaged)" when no client's MLP routes, else nil.
    package var withoutRouter: String? {
        guard !(0..<clients).contains(where: routes), let why = withoutRouter(client: 0) else { return nil }
        return "\(name) has no router (\(why))"
    }

    /// What each of `experts` experts shares, for a method without roles: "every one shared",
    /// "none shared" or "expert 0 shared" (pFedMoE) — from the method's own `shares`.
    package func sharing(experts: Int) -> String {
        let shared = (0..<experts).filter { strategy.shares(.expertLoRA(expert: $0, .a)) }
        switch shared.count {
        case experts: return "every one shared"
        case 0: return "none shared"
        default: return (shared.count == 1 ? "expert " : "experts ") + shared.map(String.init).joined(separator: ", ") + " shared"
        }
    }
}
