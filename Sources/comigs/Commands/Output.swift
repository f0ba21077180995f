import Foundation
import Tensor

/// Machine-readable results go to stdout as one JSON line; everything for people goes to stderr.
/// Prints `v` as one line of JSON. A NaN or infinity in it is an error naming the key
/// (exit code 3, nothing printed), never an encoder message or a silent null.
func printJSON<T: Encodable>(_ v: T) throws {
    do {
        print(String(decoding: try JSONEncoder.sortedKeys().encode(v), as: UTF8.self))
    } catch EncodingError.invalidValue(let value, let context) {
        let key = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        throw NonFiniteOutput(description: "\(key.isEmpty ? "the result" : key) is \(value), not a finite number; nothing was printed")
    }
}

/// A number bound for an output is NaN or infinite (exit code 3).
struct NonFiniteOutput: Error, CustomStringConvertible {
    let description: String
}

/// A check the command ran came out false (exit code 1): a benchmark whose kernel paths disagree.
struct CheckFailed: Error, CustomStringConvertible {
    let description: String
}
