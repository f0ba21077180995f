import Foundation
import Simulator
import Tensor

/// What a scenario's clients are: devices, data, the method with its options,
/// and each client's adapters checked against its memory.
struct ClientSetup {
    let devices: [DeviceProfile]
    let schedules: [AvailabilitySchedule?]
    let names: [String]
    let strategy: any CollaborationStrategy
    /// Specialists per client after fitting to memory (comigs), for the record.
    let specialists: [Int]

    /// Every client's device and availability: from its object in the `clients` list, or drawn by
    /// the population object (from a device trace, or by class shares; `Population`).
    static func devices(_ s: Scenario) throws -> (devices: [DeviceProfile], schedules: [AvailabilitySchedule?]) {
        guard s.isPopulation else { return (listed(s), windows(s)) }
        let n = s.clientCount, seed = UInt64(s.int("clients.seed"))
        guard let path = s.string("clients.trace") else {
            let shares = DeviceProfile.classes.map { s.optionalDouble("clients.classes.\($0.name)") ?? 0 }
            return (Population.classes(shares: shares, total: n, seed: seed).map { DeviceProfile.classes[$0] }, Array(repeating: nil, count: n))
        }
        let trace = try DeviceTrace.read(devices: path, availability: s.string("clients.availability"))
        let replace = s.value("clients.replace") != .bool(false)
        guard replace || n <= trace.devices.count else {
            throw ScenarioError(key: "clients.count", reason: "\(n) distinct devices (clients.replace is false), but \(path) has \(trace.devices.count)")
        }
        let drawn = Population.draw(devices: trace.devices.count, clients: n, replace: replace, seed: seed)
        return (drawn.map { trace.devices[$0] }, drawn.map { trace.availability[$0].map(AvailabilitySchedule.trace) })
    }

    /// The devices of a `clients` list: each one's class with its overrides.
    static func listed(_ s: Scenario) -> [DeviceProfile] {
        (0..<s.clientCount).map { i in
            let key = { (k: String) in "clients.\(i).\(k)" }
            var d = DeviceProfile.named(s.string(key("device"))!)!
            if let g = s.optionalDouble(key("gflops")) { d.flops = g * 1e9 }
            if let m = s.optionalDouble(key("memory_mib")) { d.memory = Int(m * 1_048_576) }
            if let u = s.optionalDouble(key("upload_mbps")) { d.upload = u * 1e6 / 8 }
            if let v = s.optionalDouble(key("download_mbps")) { d.download = v * 1e6 / 8 }
            if let a = s.optionalDouble(key("availability")) { d.availability = a }
            return d
        }
    }

    static func windows(_ s: Scenario) -> [AvailabilitySchedule?] {
        (0..<s.clientCount).map { i in
            guard let p = s.optionalDouble("clients.\(i).window.period_s") else { return nil }
            let us = { (x: Double) in SimTime((x * 1e6).rounded()) }
            return .window(AvailabilityWindow(period: us(p), on: us(s.double("clients.\(i).window.on_s")),
                                              phase: us(s.double("clients.\(i).window.phase_s"))))
        }
    }

    static func strategy(_ s: Scenario, specialists: [Int]) throws -> any CollaborationStrategy {
        var o = MethodOptions()
        o.ranks = s.isList("method.rank") ? s.perClient("method.rank") : [s.int("method.rank")]
        o.experts = s.experts(client: 0)
        o.generalists = s.int("method.generalists")
        o.specialists = specialists
        o.router = RouterSchedule(every: s.int("method.router_every"), iters: s.int("method.router_iters"),
                                  data: s.string("method.router_data") == "train" ? .train : .valid)
        o.pclWindows = s.int("method.pcl_windows")
        o.hetLambda = Float(s.double("method.hetlora_lambda"))
        o.hetGamma = s.double("method.hetlora_gamma")
        o.rounds = max(1, s.int("rounds"))
        o.reference = s.string("compat") == "reference"
        return Tuned(try MethodRegistry.make(s.method, o), alpha: Float(s.double("model.lora_alpha")),
                     topK: s.optionalInt("method.top_k"), generalistImportance: Float(s.double("method.generalist_importance")),
                     loadBalance: o.reference ? .blockOutput : nil)
    }

    /// Checks every client's memory: a client that cannot hold its configuration
    /// is an error naming it, unless comigs may fit its specialists to memory. The error
    /// quotes the memory the client would need to run (with fitting on, at its fewest
    /// specialists) and suggests fitting only when it would make the client fit.
    /// `devices`, `schedules`: what `devices(s)` read for the scenario. `quiet`: no note of fitted specialists.
    static func make(_ s: Scenario, devices: [DeviceProfile], schedules: [AvailabilitySchedule?], config: GPTConfig, time: Int,
                     dataNames: [String]?, quiet: Bool = false) throws -> ClientSetup {
        var specialists = s.perClient("method.specialists")
        let micro = s.int("micro_batch")
        let first = try strategy(s, specialists: specialists)
        let names = (0..<s.clientCount).map { i in s.string("clients.\(i).name") ?? dataNames?[i] ?? "client-\(i)" }
        for i in 0..<s.clientCount {
            let ad = first.adapters(client: s.pooled ? 0 : i)
            if let problem = ad.rankProblem(config) {
                throw ScenarioError(key: "method.rank", reason: "client \(i) (\(names[i])): \(problem) (\(config.nEmbd) for model.base)")
            }
            let need = CostModel.memoryBytes(config: config, adapters: ad, batch: micro, time: time)
            guard need > devices[i].memory else { continue }
            let mib = { (b: Int) in String(format: "%.1f MiB", Double(b) / 1_048_576) }
            let g = s.int("method.generalists"), fitting = s.method == "comigs" && s.bool("method.fit_specialists")
            // The most specialists that fit, when comigs could drop some and the rest would fit.
            let fit = s.method == "comigs" ? CostModel.fittingSpecialists(config: config, adapters: ad, generalists: g, specialists: specialists[i],
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
            throw ScenarioError(key: "clients[\(i)]", reason: "\(names[i]) needs \(mib(least)) to train (\(s.method)"
                                + (fitting ? " with \(fewest) specialist(s), the fewest method.fit_specialists leaves;" : ",")
                                + " micro_batch \(micro), context \(time)) but its \(devices[i].name) device has \(mib(devices[i].memory))"
                                + (fit.map { " (set method.fit_specialists to train it with \($0) of its \(specialists[i]) specialists)" } ?? ""))
        }
        return ClientSetup(devices: devices, schedules: schedules, names: names, strategy: try strategy(s, specialists: specialists),
                           specialists: specialists)
    }
}
