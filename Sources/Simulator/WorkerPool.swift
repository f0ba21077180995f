import Dispatch
import Tensor

/// Runs independent client tasks concurrently on up to `workers` threads
/// (docs/design.md §5). Each task touches only its own client's state and BLAS stays
/// single-threaded inside it, so every result is bit-identical whatever the
/// number of workers; results come back in input order.
public struct WorkerPool: Sendable {
    public let workers: Int

    public init(workers: Int) {
        self.workers = max(1, workers)
    }

    public func map<T>(_ items: [Int], _ body: @Sendable (Int) -> T) -> [T] {
        mapOnWorkers(items) { i, _ in body(i) }
    }

    /// `map` whose task also learns which worker (0..<workers) runs it: what a worker owns (its
    /// model shells) is touched by one task at a time. The serial case runs on worker 0.
    public func mapOnWorkers<T>(_ items: [Int], _ body: @Sendable (_ item: Int, _ worker: Int) -> T) -> [T] {
        let slots = Slots<T>(items.count)
        let next = Counter()
        let n = min(workers, items.count)
        if n <= 1 {
            for (j, i) in items.enumerated() { slots[j] = body(i, 0) }
        } else {
            DispatchQueue.concurrentPerform(iterations: n) { w in
                while let j = next.take(below: items.count) { slots[j] = body(items[j], w) }
            }
        }
        return slots.values
    }

    /// Hands out 0, 1, 2, … to whichever worker asks next.
    final class Counter: @unchecked Sendable {
        private var value = 0
        private let lock = DispatchSemaphore(value: 1)
        func take(below n: Int) -> Int? {
            lock.wait()
            defer { lock.signal() }
            guard value < n else { return nil }
            value += 1
            return value - 1
        }
    }
}
