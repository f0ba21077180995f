/// `x[b, t] = wte[token[b, t]] + wpe[t]`.
public enum Embedding {
    public static func forward(_ x: UnsafeMutablePointer<Float>, tokens: UnsafePointer<Int32>,
                               wte: UnsafePointer<Float>, wpe: UnsafePointer<Float>,
                               batch: Int, time: Int, width c: Int) {
        for b in 0..<batch {
            for t in 0..<time {
                let row = x + (b * time + t) * c
                let te = wte + Int(tokens[b * time + t]) * c, pe = wpe + t * c
                for j in 0..<c { row[j] = te[j] + pe[j] }
            }
        }
    }

    /// Accumulates into the token and position tables (either may be skipped).
    public static func backward(dwte: UnsafeMutablePointer<Float>?, dwpe: UnsafeMutablePointer<Float>?,
                                dx: UnsafePointer<Float>, tokens: UnsafePointer<Int32>,
                                batch: Int, time: Int, width c: Int) {
        for b in 0..<batch {
            for t in 0..<time {
                let row = dx + (b * time + t) * c
                if let dwte {
                    let te = dwte + Int(tokens[b * time + t]) * c
                    for j in 0..<c { te[j] += row[j] }
                }
                if let dwpe {
                    let pe = dwpe + t * c
                    for j in 0..<c { pe[j] += row[j] }
                }
            }
        }
    }
}
