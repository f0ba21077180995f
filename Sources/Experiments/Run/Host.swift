import Foundation

/// The machine a process runs on, as run folders record it (`provenance.json`). Each value is
/// nil when the system does not say (no /proc/cpuinfo or /etc/os-release).
package enum Host {
    /// /proc/cpuinfo's model name; arm64 kernels give none, so there the implementer, part,
    /// variant and revision codes of the first CPU (e.g. 0x41, 0xd0c: an Arm Neoverse N1).
    package static var cpu: String? { (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)).flatMap(cpuModel) }

    /// /etc/os-release's PRETTY_NAME, e.g. "Debian GNU/Linux 12 (bookworm)".
    package static var os: String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        return fields(text, separator: "=")["PRETTY_NAME"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) }
    }

    /// This process's peak resident memory so far, MiB (getrusage's ru_maxrss: KiB on Linux, bytes on macOS).
    package static var peakMemoryMiB: Double {
        var u = rusage()
        #if os(macOS)
        _ = getrusage(RUSAGE_SELF, &u)
        let bytes = Double(u.ru_maxrss)
        #else
        _ = getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        let bytes = Double(u.ru_maxrss) * 1024
        #endif
        return (bytes / 1_048_576 * 10).rounded() / 10
    }

    /// uname(2): system, kernel release and machine, e.g. "Linux 6.1.0-28-amd64 x86_64".
    package static var uname: String {
        var u = utsname()
        _ = Foundation.uname(&u)
        func text<T>(_ field: T) -> String { withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) } }
        return "\(text(u.sysname)) \(text(u.release)) \(text(u.machine))"
    }

    /// The first processor's description in /proc/cpuinfo text.
    package static func cpuModel(_ cpuinfo: String) -> String? {
        let first = fields(String(cpuinfo.split(separator: "\n\n").first ?? ""), separator: ":")
        if let name = first["model name"], !name.isEmpty { return name }
        let codes = [("implementer", "CPU implementer"), ("part", "CPU part"), ("variant", "CPU variant"), ("revision", "CPU revision")]
            .compactMap { label, key in first[key].map { "\(label) \($0)" } }
        return codes.isEmpty ? nil : "CPU " + codes.joined(separator: ", ")
    }

    /// `key<separator>value` lines, both sides trimmed; the first occurrence of a key wins.
    package static func fields(_ text: String, separator: Character) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let i = line.firstIndex(of: separator) else { continue }
            let key = line[..<i].trimmingCharacters(in: .whitespaces)
            if out[key] == nil { out[key] = line[line.index(after: i)...].trimmingCharacters(in: .whitespaces) }
        }
        return out
    }
}
