import Foundation
import Simulator
import Tensor

/// What a scenario's clients are: devices, data, the method with its options,
/// and each client's adapters checked against its memory.
package struct ClientSetup {
    package let devices: [DeviceProfile]
    package let schedules: [AvailabilitySchedule?]
    package let names: [String]
    package let strategy: any CollaborationStrategy
    /// Specialists per client after fitting to memory (comigs), for the record.
    package let specialists: [Int]

    /// Every client's device and availability: from its object in the `clients` list, or drawn by
    /// the population object (from a device trace, or by class shares; `Population`).
    package static func devices(_ c: ScenarioConfig) throws -> (devices: [DeviceProfile], schedules: [AvailabilitySchedule?]) {
        switch c.clients {
        case .listed(let clients): return (clients.map(\.device), clients.map { $0.window?.schedule })
        case .population(let p):
            switch p.source {
            case .classes(let shares):
                return (Population.classes(shares: shares, total: p.count, seed: p.seed).map { DeviceProfile.classes[$0] },
                        Array(repeating: nil, count: p.count))
            case .trace(let path, let availability, let replace):
                let trace = try DeviceTrace.read(devices: path, availability: availability)
                guard replace || p.count <= trace.devices.count else {
                    throw ScenarioError(key: "clients.count", reason: "\(p.count) distinct devices (clients.replace is false), but \(path) has \(trace.devices.count)")
                }
                let drawn = Population.draw(devices: trace.devices.count, clients: p.count, replace: replace, seed: p.seed)
                return (drawn.map { trace.devices[$0] }, drawn.map { trace.availability[$0].map(AvailabilitySchedule.trace) })
            }
        }
    }

    /// Checks every client's memory: a client that cannot hold its configuration
    /// is an error naming it, unless comigs may fit its specialists to memory. The error
    /// quotes the memory the client would need to run (with fitting on, at its fewest
    /// specialists) and suggests fitting only when it would make the client fit.
    /// `devices`, `schedules`: what `devices(s)` read for the scenario. `quiet`: no note of fitted specialists.
    package static func make(_ s: ScenarioConfig, devices: [DeviceProfile], schedules: [AvailabilitySchedule?], config: GPTConfig, time: Int,
                     dataNames: [String]?, quiet: Bool = false) throws -> ClientSetup {
        var specialists = s.method.specialists.values(s.clientCount)
        let micro = s.training.microBatch
        let first = s.strategy
        let listed = s.listedClients
        let names = (0..<s.clientCount).map { i in (listed.isEmpty ? nil : listed[i].name) ?? dataNames?[i] ?? "client-\(i)" }
        for i in 0..<s.clientCount {
            let ad = first.adapters(client: s.pooled ? 0 : i)
            if let problem = ad.rankProblem(config) {
                throw ScenarioError(key: "method.rank", reason: "client \(i) (\(names[i])): \(problem) (\(config.nEmbd) for model.base)")
            }
            let need = CostModel.memoryBytes(config: config, adapters: ad, batch: micro, time: time)
            guard need > devices[i].memory else { continue }
            let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1_048_576) }
            let g = s.method.generalists, fitting = s.method.descriptor.hasSpecialists && s.method.fitSpecialists
            // The most specialists that fit, when the method could drop some and the rest would fit.
            let fit = s.method.descriptor.hasSpecialists ? CostModel.fittingSpecialists(config: config, adapters: ad, generalists: g, specialists: specialists[i],
                                                                          memory: devices[i].memory, batch: micro, time: time) : nil
            if fitting, let fit {
                if !quiet { note("clients[\(i)] (\(names[i])): \(specialists[i]) specialist(s) need \(mib(need)), the device has \(mib(devices[i].memory)): fitted \(fit)") }
                specialists[i] = fit
                continue
            }
            // With fitting on, the least this client could train with: its fewest specialists.
            let fewest = min(specialists[i], CostModel.fewestSpecialists(generalists: g))
            let least = fitting ? CostModel.memoryBytes(config: config, adapters: CostModel.withSpecialists(ad, generalists: g, specialists: fewest),
                                                        batch: micro, time: time) : need
            throw ScenarioError(key: "clients[\(i)]", reason: "\(names[i]) needs \(mib(least)) to train (\(s.method.name)"
                                + (fitting ? " with \(fewest) specialist(s), the fewest method.fit_specialists leaves;" : ",")
                                + " micro_batch \(micro), context \(time)) but its \(devices[i].name) device has \(mib(devices[i].memory))"
                                + (fit.map { " (set method.fit_specialists to train it with \($0) of its \(specialists[i]) specialists)" } ?? ""))
        }
        return ClientSetup(devices: devices, schedules: schedules, names: names, strategy: s.strategy(specialists: specialists),
                           specialists: specialists)
    }
}
