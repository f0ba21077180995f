import Foundation
import Tensor

/// The rule for a value that becomes part of a file or folder name (a scenario's `name`, a
/// sweep's `name`): checked when the file is loaded, so that a run never writes outside the
/// folder it was given, nor fails only when its folder is made.
package enum FileName {
    /// Run folders are `<name>-<method>-seed<S>[-k]`: 100 bytes of name keep them under the
    /// 255-byte limit of common file systems.
    package static let maxBytes = 100

    /// Why `s` cannot be part of a file name, or nil when it can.
    package static func problem(_ s: String) -> String? {
        if s.isEmpty { return "must not be empty (it names the run folders)" }
        if s.utf8.count > maxBytes { return "\(s.utf8.count) bytes; at most \(maxBytes) (it names the run folders)" }
        if let c = s.unicodeScalars.first(where: { $0 == "/" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }) {
            let shown = c.value < 0x20 || c.value == 0x7f ? String(format: "control character U+%04X", c.value) : "'\(c)'"
            return "\(JSON.quote(s)) holds \(shown); it names the run folders, so it must be one file name (no '/', '\\' or control characters)"
        }
        if s.hasPrefix(".") { return "\(JSON.quote(s)) starts with '.'; it names the run folders (no hidden folders, no '..')" }
        return nil
    }
}
