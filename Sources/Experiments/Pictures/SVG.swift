import Foundation

/// A tiny SVG writer: elements in drawing order, numbers with at most two
/// decimals, so the same picture is always the same bytes.
package struct SVG {
    package let width: Double, height: Double
    private var elements: [String] = []

    package init(width: Double, height: Double) {
        self.width = width
        self.height = height
        rect(0, 0, width, height, fill: "#ffffff")
    }

    package enum Anchor: String { case start, middle, end }

    package mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, stroke: String? = nil,
                       title: String? = nil) {
        let s = stroke.map { " stroke=\"\($0)\" stroke-width=\"0.5\"" } ?? ""
        shape("rect", "x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"\(Self.num(w))\" height=\"\(Self.num(h))\" fill=\"\(fill)\"\(s)",
              title: title)
    }

    /// An element with these attributes; a <title> child is the tooltip a browser shows on hover.
    private mutating func shape(_ name: String, _ attributes: String, title: String?) {
        elements.append(title.map { "<\(name) \(attributes)><title>\(Self.escape($0))</title></\(name)>" } ?? "<\(name) \(attributes)/>")
    }

    private static func points(_ ps: [(x: Double, y: Double)]) -> String {
        ps.map { "\(num($0.x)),\(num($0.y))" }.joined(separator: " ")
    }

    package mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                       dash: String? = nil) {
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<line x1=\"\(Self.num(x1))\" y1=\"\(Self.num(y1))\" x2=\"\(Self.num(x2))\" y2=\"\(Self.num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\"\(d)/>")
    }

    package mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2, dash: String? = nil) {
        let p = Self.points(points)
        let d = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        elements.append("<polyline points=\"\(p)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(Self.num(width))\" stroke-linejoin=\"round\"\(d)/>")
    }

    /// A filled closed shape (markers), with an optional tooltip like `rect`'s.
    package mutating func polygon(_ points: [(x: Double, y: Double)], fill: String, title: String? = nil) {
        shape("polygon", "points=\"\(Self.points(points))\" fill=\"\(fill)\"", title: title)
    }

    package mutating func text(_ s: String, _ x: Double, _ y: Double, size: Double = 12, anchor: Anchor = .start,
                       fill: String = "#222222", bold: Bool = false, vertical: Bool = false, mono: Bool = false) {
        var a = "x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" font-size=\"\(Self.num(size))\" fill=\"\(fill)\""
        if anchor != .start { a += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { a += " font-weight=\"bold\"" }
        if mono { a += " font-family=\"monospace\" xml:space=\"preserve\"" }
        if vertical { a += " transform=\"rotate(-90 \(Self.num(x)) \(Self.num(y)))\"" }
        elements.append("<text \(a)>\(Self.escape(s))</text>")
    }

    package var document: String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Self.num(width))" height="\(Self.num(height))" \
        viewBox="0 0 \(Self.num(width)) \(Self.num(height))" font-family="Helvetica, Arial, sans-serif">
        \(elements.joined(separator: "\n"))
        </svg>

        """
    }

    package func write(to path: String) throws {
        try Data(document.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// XML text: markup characters escaped, characters XML forbids replaced by U+FFFD.
    package static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            case _ where u.value < 0x20 || u.value == 0xFFFE || u.value == 0xFFFF: out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// At most two decimals, no trailing zeros, no "-0": independent of locale and platform.
    package static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let c = Int((v * 100).rounded())
        let sign = c < 0 ? "-" : "", m = abs(c), whole = m / 100, frac = m % 100
        if frac == 0 { return c == 0 ? "0" : sign + String(whole) }
        return sign + String(whole) + (frac % 10 == 0 ? ".\(frac / 10)" : (frac < 10 ? ".0\(frac)" : ".\(frac)"))
    }

    /// Okabe–Ito colours (colour-blind safe), the yellow last: it is faint on white.
    package static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// `#rrggbb` between `a` (t = 0) and `b` (t = 1).
    package static func mix(_ a: String, _ b: String, _ t: Double) -> String {
        func rgb(_ s: String) -> [Double] {
            let v = Int(s.dropFirst(), radix: 16)!
            return [Double(v >> 16 & 255), Double(v >> 8 & 255), Double(v & 255)]
        }
        let u = min(max(t, 0), 1)
        let c = zip(rgb(a), rgb(b)).map { Int(($0 + ($1 - $0) * u).rounded()) }
        return "#" + c.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
