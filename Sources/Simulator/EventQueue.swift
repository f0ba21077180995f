/// Simulated time in integer microseconds: exact, and ordered the same way on every machine.
public typealias SimTime = Int64

/// A priority queue of timed events ordered by (time, insertion sequence):
/// ties break by insertion order, never by hashing or thread timing (docs/design.md §5).
public struct EventQueue<Payload> {
    struct Entry {
        var time: SimTime
        var seq: UInt64
        var payload: Payload
        @inline(__always) func before(_ o: Entry) -> Bool { time < o.time || (time == o.time && seq < o.seq) }
    }

    private var heap: [Entry] = []
    private var nextSeq: UInt64 = 0
    /// Time of the last event popped.
    public private(set) var now: SimTime = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }

    /// Schedules `payload` at `time` (never before `now`: the past is committed).
    public mutating func schedule(at time: SimTime, _ payload: Payload) {
        precondition(time >= now, "event scheduled at \(time) µs, before the current time \(now) µs")
        heap.append(Entry(time: time, seq: nextSeq, payload: payload))
        nextSeq += 1
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard heap[i].before(heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    public mutating func pop() -> (time: SimTime, payload: Payload)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n && heap[l].before(heap[m]) { m = l }
                if r < n && heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        now = top.time
        return (top.time, top.payload)
    }

}
