/// One client's routed text.
struct TracePanel {
    var title: String
    /// Byte-level tokens, each token's top-1 expert and that expert's router probability.
    var tokens: [Int32], top1: [Int32], prob: [Float]
    var experts: Int
}

/// Draws routed byte-level text: one box per token, coloured by its top-1
/// expert (generalists blue, specialists orange), darker the more probable.
enum TracePicture {
    static let width = 720.0, margin = 16.0, charWidth = 7.8, boxHeight = 18.0, lineHeight = 21.0

    static func render(title: String, subtitle: String, panels: [TracePanel], generalists: Int) -> SVG {
        let shown = panels.map { glyphs($0.tokens) }
        let laid = zip(panels, shown).map { layout($1, newline: $0.tokens.map { $0 == 10 }) }
        let heights = laid.map { 30 + Double(($0.last?.line ?? -1) + 1) * lineHeight + 14 }
        var svg = SVG(width: width, height: 92 + heights.reduce(0, +))
        svg.text(title, margin, 24, size: 15, bold: true)
        svg.text(subtitle, margin, 42, size: 11, fill: "#555555")
        for (i, x) in [margin, 220].enumerated() {
            for (j, t) in [0.0, 0.5, 1].enumerated() {
                svg.rect(x + Double(j) * 16, 54, 14, 14, fill: colour(specialist: i == 1, certainty: t).fill)
            }
            let experts = generalists == 1 ? "expert 0" : "experts 0–\(generalists - 1)"
            svg.text(i == 0 ? "generalist (\(experts))" : "specialist (the others)", x + 54, 65, size: 11)
        }
        svg.text("light: router unsure (1/E) · dark: sure (1)", 440, 65, size: 11, fill: "#555555")
        var y = 92.0
        for ((p, g), (boxes, height)) in zip(zip(panels, shown), zip(laid, heights)) {
            svg.text(p.title, margin, y + 14, size: 12, bold: true)
            for (i, b) in boxes.enumerated() {
                let e = Int(p.top1[i]), by = y + 24 + Double(b.line) * lineHeight
                let certainty = p.experts > 1 ? (Double(p.prob[i]) - 1 / Double(p.experts)) / (1 - 1 / Double(p.experts)) : 1
                let c = colour(specialist: e >= generalists, certainty: certainty)
                let kind = e >= generalists ? "specialist" : "generalist"
                svg.rect(margin + b.x, by, b.w, boxHeight, fill: c.fill,
                         title: "byte \(p.tokens[i]) · expert \(e) (\(kind)) · p \(SVG.num(Double(p.prob[i])))")
                if !g[i].isEmpty && g[i] != " " {
                    svg.text(g[i], margin + b.x + b.w / 2, by + 13, size: 13, anchor: .middle, fill: c.ink, mono: true)
                }
            }
            y += height
        }
        return svg
    }

    /// Fill and text colour: light to dark with the router's certainty in [0, 1].
    static func colour(specialist: Bool, certainty: Double) -> (fill: String, ink: String) {
        let fill = specialist ? SVG.mix("#fbe0c8", "#D55E00", certainty) : SVG.mix("#d8e8f5", "#0072B2", certainty)
        return (fill, certainty > 0.75 ? "#ffffff" : "#222222")  // whichever contrasts more
    }

    /// What each byte shows: printable ASCII as is, a multi-byte UTF-8 character
    /// on its first byte (its continuation bytes show nothing), ⏎ for a newline,
    /// a middle dot for anything else.
    static func glyphs(_ bytes: [Int32]) -> [String] {
        var out = Array(repeating: "·", count: bytes.count), i = 0
        while i < bytes.count {
            let b = bytes[i]
            var len = 1
            if b == 10 {
                out[i] = "⏎"
            } else if (0x20...0x7E).contains(b) {
                out[i] = String(UnicodeScalar(UInt8(b)))
            } else if (0xC2...0xF4).contains(b) {
                let n = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4
                if i + n <= bytes.count, let s = String(bytes: bytes[i..<i + n].map { UInt8(truncatingIfNeeded: $0) }, encoding: .utf8),
                   let u = s.unicodeScalars.first, printable(u) {
                    out[i] = s
                    for j in i + 1..<i + n { out[j] = "" }
                    len = n
                }
            }
            i += len
        }
        return out
    }

    static func printable(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .nonspacingMark, .enclosingMark: false
        default: true
        }
    }

    /// Box positions (x from the left margin, width, line) with wrapping at the
    /// picture's width and a line break after every newline.
    static func layout(_ glyphs: [String], newline: [Bool]) -> [(x: Double, w: Double, line: Int)] {
        var boxes: [(x: Double, w: Double, line: Int)] = [], x = 0.0, line = 0
        let limit = width - 2 * margin
        for (i, g) in glyphs.enumerated() {
            let w = g.isEmpty ? 3 : Double(g.count) * charWidth + 4  // a continuation byte is a thin strip
            if x > 0 && x + w > limit { x = 0; line += 1 }
            boxes.append((x, w, line))
            x += w + 1
            if newline[i] { x = 0; line += 1 }
        }
        return boxes
    }
}
