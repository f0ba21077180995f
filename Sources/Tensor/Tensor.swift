#if canImport(Glibc)
import Glibc
#endif

/// A float32, contiguous, row-major buffer with an explicit shape.
///
/// A reference type on purpose: activations and gradients are allocated once
/// per model and reused every step, and layers hold them by reference. Hot
/// loops read `ptr` directly (never an Array subscript, see docs/design.md §8).
public final class Tensor: @unchecked Sendable {
    public private(set) var shape: [Int]
    public let capacity: Int
    public let ptr: UnsafeMutablePointer<Float>

    public var count: Int { shape.reduce(1, *) }

    public init(_ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        capacity = max(1, shape.reduce(1, *))
        ptr = .allocate(capacity: capacity)
        ptr.initialize(repeating: 0, count: capacity)
    }

    public convenience init(_ shape: [Int], _ values: [Float]) {
        self.init(shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { ptr.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { ptr.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: ptr, count: count) }
    public var array: [Float] { Array(buffer) }

    /// Changes the logical shape within the allocated capacity (buffers sized
    /// for the largest batch serve smaller ones too).
    public func reshape(_ newShape: [Int]) {
        precondition(newShape.reduce(1, *) <= capacity, "reshape \(newShape) exceeds capacity \(capacity)")
        shape = newShape
    }

    public func zero() { ptr.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copy of \(other.shape) into \(shape)")
        ptr.update(from: other.ptr, count: count)
    }

    public func clone() -> Tensor {
        let t = Tensor(shape)
        t.copy(from: self)
        return t
    }

    /// `self += alpha * other`.
    public func add(_ other: Tensor, scale alpha: Float = 1) {
        precondition(other.count == count, "add of \(other.shape) to \(shape)")
        let n = count, a = ptr, b = other.ptr
        for i in 0..<n { a[i] += alpha * b[i] }
    }

    public func bitEqual(_ other: Tensor) -> Bool {
        shape == other.shape && memcmp(ptr, other.ptr, count * 4) == 0
    }
}

