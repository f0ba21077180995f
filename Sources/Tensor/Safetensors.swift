import Foundation

/// The safetensors format: 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`,
/// then raw little-endian data. Reads F32, F16 and BF16 (to float32); writes F32.
public struct Safetensors {
    public struct Entry {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var range: Range<Int>  // byte range within the data section
    }

    public let path: String
    public let metadata: [String: String]
    /// Entries in data order (never dictionary order).
    public let entries: [Entry]
    private let data: Data
    private let dataStart: Int

    /// Reads and checks the file as the reference loader (`safetensors` crate) does: the header
    /// is one JSON object (UTF-8, no duplicate names), `__metadata__` maps strings to strings,
    /// every tensor has a known dtype, a shape whose size matches its byte range, and ranges in
    /// bounds that tile the data section exactly — contiguous from byte 0, no overlap, no gap,
    /// nothing after the last. Errors name the file and the tensor (`ModelError.checkpoint`).
    public init(path: String) throws {
        self.path = path
        guard let d = FileManager.default.contents(atPath: path) else {
            throw ModelError.checkpoint("\(path): cannot read file")
        }
        data = d
        guard d.count >= 8 else { throw ModelError.checkpoint("\(path): too short for a safetensors header (\(d.count) bytes)") }
        let stated = d.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard stated > 0, stated <= UInt64(d.count - 8) else {
            throw ModelError.checkpoint("\(path): header length \(stated) exceeds the file size \(d.count)")
        }
        let n = Int(stated)
        dataStart = 8 + n
        let header: [(String, JSON)]
        do {
            guard case .object(let members) = try JSON.parse(d.subdata(in: 8..<8 + n)) else {
                throw ModelError.checkpoint("\(path): header is not a JSON object")
            }
            header = members
        } catch let e as JSON.ParseError {
            throw ModelError.checkpoint("\(path): header is not a JSON object (\(e))")
        }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, v) in header {
            if name == "__metadata__" {
                guard case .object(let m) = v else { throw ModelError.checkpoint("\(path): __metadata__ is not an object of strings") }
                for (k, value) in m {
                    guard let s = value.stringValue else {
                        throw ModelError.checkpoint("\(path): __metadata__ key '\(k)' holds \(value.typeName), expected a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries.append(try Self.entry(name, v, dataBytes: d.count - dataStart, path: path))
        }
        self.metadata = metadata
        self.entries = entries.sorted { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        try Self.checkTiling(self.entries, dataBytes: d.count - dataStart, path: path)
    }

    /// One header entry `{dtype, shape, data_offsets}`, its size checked against its range.
    private static func entry(_ name: String, _ v: JSON, dataBytes: Int, path: String) throws -> Entry {
        func ints(_ j: JSON?) -> [Int]? {
            j?.arrayValue?.map { x -> Int? in
                guard case .number(let d, true) = x, d >= 0 else { return nil }
                return Int(d)
            }.reduce(Optional([Int]())) { acc, x in acc.flatMap { a in x.map { a + [$0] } } }
        }
        guard case .object = v, let dtype = v["dtype"]?.stringValue, let shape = ints(v["shape"]),
              let off = ints(v["data_offsets"]), off.count == 2, off[0] <= off[1], off[1] <= dataBytes
        else { throw ModelError.checkpoint("\(path): tensor '\(name)' has a malformed header entry") }
        guard let size = byteSize(dtype) else {
            throw ModelError.checkpoint("\(path): tensor '\(name)' has unsupported dtype \(dtype) (F32, F16, BF16 are read)")
        }
        // Checked products: a hostile shape must not overflow.
        let elems = shape.reduce(Optional(1)) { acc, x in
            acc.flatMap { a in let (p, o) = a.multipliedReportingOverflow(by: x); return o ? nil : p }
        }
        guard let elems, elems <= (off[1] - off[0]) / size, elems * size == off[1] - off[0] else {
            throw ModelError.checkpoint("\(path): tensor '\(name)' shape \(shape) does not match its \(off[1] - off[0]) bytes")
        }
        return Entry(name: name, dtype: dtype, shape: shape, range: off[0]..<off[1])
    }

    /// Ranges sorted by start must tile 0..<dataBytes: each starts where the previous ended.
    private static func checkTiling(_ entries: [Entry], dataBytes: Int, path: String) throws {
        var end = 0, previous: String?
        for e in entries {
            if e.range.lowerBound < end, let previous {
                throw ModelError.checkpoint("\(path): tensor '\(e.name)' (bytes \(e.range.lowerBound)..<\(e.range.upperBound)) overlaps tensor '\(previous)' (ends at \(end))")
            }
            if e.range.lowerBound > end {
                throw ModelError.checkpoint("\(path): bytes \(end)..<\(e.range.lowerBound) of the data section belong to no tensor (gap before '\(e.name)')")
            }
            end = e.range.upperBound
            previous = e.name
        }
        if end < dataBytes {
            throw ModelError.checkpoint("\(path): bytes \(end)..<\(dataBytes) of the data section belong to no tensor (\(dataBytes - end) bytes after the last)")
        }
    }

    static func byteSize(_ dtype: String) -> Int? {
        switch dtype { case "F32": 4; case "F16", "BF16": 2; default: nil }
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// Requires the file to hold exactly the tensors `needed` plus any `ignorable` ones: a
    /// missing tensor, or one the model would silently ignore (a config that describes fewer
    /// layers than the file holds), is an error naming them and `described` (what expects them).
    public func requireExactly(_ needed: [String], ignorable: (String) -> Bool = { _ in false }, described: String) throws {
        let have = Set(entries.map(\.name)), want = Set(needed)
        func list(_ names: [String]) -> String {
            names.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (names.count > 3 ? ", … (\(names.count) in all)" : "")
        }
        let missing = needed.filter { !have.contains($0) }
        if !missing.isEmpty { throw ModelError.checkpoint("\(path): \(described) needs \(list(missing)), missing from the file") }
        let unused = entries.map(\.name).filter { !want.contains($0) && !ignorable($0) }
        if !unused.isEmpty {
            throw ModelError.checkpoint("\(path): \(unused.count == 1 ? "tensor" : "tensors") \(list(unused)) \(unused.count == 1 ? "is" : "are") not part of \(described)")
        }
    }

    /// Copies tensor `name` into `dst` (as float32), requiring `shape` and finite values;
    /// with `transpose` a stored [a, b] matrix fills a [b, a] destination.
    public func read(_ name: String, into dst: Tensor, transpose: Bool = false) throws {
        guard let e = entry(name) else { throw ModelError.checkpoint("\(path): tensor '\(name)' is missing") }
        let want = transpose ? dst.shape.reversed() : dst.shape
        guard e.shape == Array(want) else {
            throw ModelError.checkpoint("\(path): tensor '\(name)' has shape \(e.shape), expected \(Array(want))")
        }
        let count = dst.count
        var failure: Error?
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.range.lowerBound
            let tmp = UnsafeMutablePointer<Float>.allocate(capacity: count)
            defer { tmp.deallocate() }
            for i in 0..<count {
                switch e.dtype {
                case "F32": tmp[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                case "F16": tmp[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                default: tmp[i] = Float(bitPattern: UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
                }
            }
            if let bad = (0..<count).first(where: { !tmp[$0].isFinite }) {
                failure = ModelError.checkpoint("\(path): tensor '\(name)' holds \(tmp[bad]) at element \(bad) of \(count); every weight must be finite")
                return
            }
            if transpose {
                let r = e.shape[0], c = e.shape[1]
                for i in 0..<r { for j in 0..<c { dst.ptr[j * r + i] = tmp[i * c + j] } }
            } else {
                dst.ptr.update(from: tmp, count: count)
            }
        }
        if let failure { throw failure }
    }

    /// Writes float32 tensors in the given order, atomically (temp file, then rename).
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String) throws {
        var parts: [String] = []
        if !metadata.isEmpty {
            let meta = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(meta.joined(separator: ","))}")
        }
        var offset = 0
        parts += tensors.map { name, t in
            defer { offset += 4 * t.count }
            return "\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + 4 * t.count)]}"
        }
        let header = "{" + parts.joined(separator: ",") + "}"
        var h = Array(header.utf8)
        while (8 + h.count) % 8 != 0 { h.append(0x20) }  // pad so data is 8-byte aligned
        var head = Data(capacity: 8 + h.count)
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { head.append(contentsOf: $0) }
        head.append(contentsOf: h)
        // One tensor at a time: a checkpoint of a large population is never held whole in memory.
        try AtomicFile.write(to: path) { write in
            try write(head)
            for (_, t) in tensors {
                var chunk = Data(capacity: 4 * t.count)
                for i in 0..<t.count { withUnsafeBytes(of: t.ptr[i].bitPattern.littleEndian) { chunk.append(contentsOf: $0) } }
                try write(chunk)
            }
        }
    }

    static func jsonString(_ s: String) -> String {
        let d = try! JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
        return String(decoding: d.dropFirst().dropLast(), as: UTF8.self)
    }
}

/// Write-to-temp, fsync, rename: a reader sees the old file or the whole new one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws { try write(to: path) { try $0(data) } }

    /// The file `body` writes in pieces (each call of its argument appends one), made visible whole.
    public static func write(to path: String, _ body: (_ append: (Data) throws -> Void) throws -> Void) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
            throw ModelError.checkpoint("\(path): cannot create \(tmp)")
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
        do {
            try body { try h.write(contentsOf: $0) }
            try h.synchronize()
            try h.close()
        } catch {
            try? h.close()
            try? FileManager.default.removeItem(atPath: tmp)
            throw ModelError.checkpoint("\(path): write failed: \(error.localizedDescription)")
        }
        guard rename(tmp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw ModelError.checkpoint("\(path): cannot rename the temporary file into place")
        }
    }
}
