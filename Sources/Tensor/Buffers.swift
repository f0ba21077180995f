/// Reusable activation storage: a layer asks for at least `count` floats and
/// gets its old buffer back unless it is too small, so steady-state steps do
/// not allocate (docs/design.md §8).
@inline(__always)
func sized(_ t: Tensor?, _ count: Int) -> Tensor {
    if let t, t.capacity >= count { t.reshape([count]); return t }
    return Tensor([count])
}

/// A reusable Int32 buffer (token ids, expert assignments).
public final class IntBuffer: @unchecked Sendable {
    public private(set) var capacity: Int
    public private(set) var ptr: UnsafeMutablePointer<Int32>

    public init(_ capacity: Int) {
        self.capacity = max(1, capacity)
        ptr = .allocate(capacity: self.capacity)
        ptr.initialize(repeating: 0, count: self.capacity)
    }
    deinit { ptr.deallocate() }

    func ensure(_ count: Int) {
        guard count > capacity else { return }
        ptr.deallocate()
        capacity = count
        ptr = .allocate(capacity: count)
        ptr.initialize(repeating: 0, count: count)
    }
}

/// Counts the floating-point work a model did (matrix products as 2·m·n·k),
/// for the benchmark's GFLOP/s and the simulator's cost model.
public final class FlopCounter: @unchecked Sendable {
    public var flops = 0
    public init() {}
    @inline(__always) func gemm(_ m: Int, _ n: Int, _ k: Int) { flops += 2 * m * n * k }
}

/// One result slot per concurrent task: each task writes only its own slot,
/// and the caller reads them in index order after the tasks have joined.
public final class Slots<T>: @unchecked Sendable {
    private let ptr: UnsafeMutablePointer<T?>
    public let count: Int
    public init(_ count: Int) {
        self.count = count
        ptr = .allocate(capacity: count)
        ptr.initialize(repeating: nil, count: count)
    }
    deinit { ptr.deinitialize(count: count); ptr.deallocate() }
    public subscript(i: Int) -> T? {
        get { ptr[i] }
        set { ptr[i] = newValue }
    }
    public var values: [T] { (0..<count).map { ptr[$0]! } }
}
