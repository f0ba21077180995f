import Foundation
import Tensor

let args = Array(CommandLine.arguments.dropFirst())
func opt(_ name: String) -> String? { args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil } }
if args.first == "bench" {
    let r = try EngineBenchmark.run(config: opt("--config") ?? "gpt-tiny", threads: Int(opt("--threads") ?? "1")!, steps: Int(opt("--steps") ?? "20")!)
    let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
    print(String(data: try enc.encode(r), encoding: .utf8)!)
}
