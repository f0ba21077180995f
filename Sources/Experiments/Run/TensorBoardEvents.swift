import Foundation

/// A TensorBoard event file of scalars, written by hand (no package): TFRecord records —
/// `uint64 length, uint32 masked CRC32C(length), data, uint32 masked CRC32C(data)`, all
/// little-endian — whose data are `Event` protobufs (tensorflow/core/util/event.proto):
/// `wall_time` (1, double), `step` (2, int64), `file_version` (3, string) in the first
/// event, `summary` (5) holding `Summary.Value`s of `tag` (1) and `simple_value` (2, float).
package struct TensorBoardEvents {
    package private(set) var data = Data()

    package init() { record(event(wallTime: 0, step: 0, field: 3, payload: Array("brain.Event:2".utf8))) }

    /// One scalar at `step`, stamped with `wallTime` seconds (comigs writes simulated time there).
    package mutating func scalar(_ tag: String, _ value: Double, step: Int, wallTime: Double) {
        var v: [UInt8] = []
        Self.bytesField(1, Array(tag.utf8), into: &v)
        v.append(0x15)  // field 2, 32-bit
        withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { v.append(contentsOf: $0) }
        var summary: [UInt8] = []
        Self.bytesField(1, v, into: &summary)
        record(event(wallTime: wallTime, step: step, field: 5, payload: summary))
    }

    private func event(wallTime: Double, step: Int, field: Int, payload: [UInt8]) -> [UInt8] {
        var e: [UInt8] = [0x09]  // field 1, 64-bit
        withUnsafeBytes(of: wallTime.bitPattern.littleEndian) { e.append(contentsOf: $0) }
        e.append(0x10)  // field 2, varint
        Self.varint(UInt64(bitPattern: Int64(step)), into: &e)
        Self.bytesField(field, payload, into: &e)
        return e
    }

    private mutating func record(_ bytes: [UInt8]) {
        var length: [UInt8] = []
        withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { length.append(contentsOf: $0) }
        data.append(contentsOf: length)
        Self.appendMaskedCRC(length, to: &data)
        data.append(contentsOf: bytes)
        Self.appendMaskedCRC(bytes, to: &data)
    }

    package static func bytesField(_ field: Int, _ bytes: [UInt8], into out: inout [UInt8]) {
        varint(UInt64(field << 3 | 2), into: &out)
        varint(UInt64(bytes.count), into: &out)
        out.append(contentsOf: bytes)
    }

    package static func varint(_ v: UInt64, into out: inout [UInt8]) {
        var v = v
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    /// TFRecord's mask: rotate right by 15, add a constant.
    package static func appendMaskedCRC(_ bytes: [UInt8], to data: inout Data) {
        let c = crc32c(bytes)
        let masked = ((c >> 15) | (c << 17)) &+ 0xA282_EAD8
        withUnsafeBytes(of: masked.littleEndian) { data.append(contentsOf: $0) }
    }

    /// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78).
    package static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    package static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }
}
