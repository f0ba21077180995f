import Foundation

/// A line for people, on stderr: progress, warnings (stdout is kept for machine-readable results).
package func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
