import Foundation

/// Machine-readable results go to stdout as one JSON line; everything for people goes to stderr.
func printJSON<T: Encodable>(_ v: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    print(String(decoding: try enc.encode(v), as: UTF8.self))
}

func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

/// A check the command ran came out false (exit code 1): a benchmark whose kernel paths disagree.
struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}
