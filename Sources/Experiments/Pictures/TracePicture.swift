import Simulator

/// One client's routed text.
package struct TracePanel {
    package var title: String
    /// Byte-level tokens, each token's top-1 expert and that expert's router probability.
    package var tokens: [Int32], top1: [Int32], prob: [Float]
    /// The client's experts (two or more: it has a router).
    package var experts: Int

    package init(title: String, tokens: [Int32], top1: [Int32], prob: [Float], experts: Int) {
        self.title = title
        self.tokens = tokens
        self.top1 = top1
        self.prob = prob
        self.experts = experts
    }
}

/// Draws routed byte-level text: one box per token, coloured by its top-1 expert — by role
/// when the method has them (generalists blue, specialists orange), else one hue per expert
/// — darker the more probable.
package enum TracePicture {
    package static let width = 720.0, margin = 16.0, charWidth = 7.8, boxHeight = 18.0, lineHeight = 21.0

    /// Light and dark end of each expert's colour (Okabe–Ito hues; they repeat after six
    /// experts). Under roles, generalists take the first and specialists the second.
    package static let hues = [("#d8e8f5", "#0072B2"), ("#fbe0c8", "#D55E00"), ("#d4eee7", "#009E73"), ("#f6e8f0", "#CC79A7"),
                       ("#fbefd4", "#E69F00"), ("#e2f2fb", "#56B4E9")]

    /// `roles`: the method's generalists and specialists, nil to name experts by number.
    package static func render(title: String, subtitle: String, panels: [TracePanel], roles: ExpertRoles?) -> SVG {
        let keys = legend(roles, experts: panels.map(\.experts).max() ?? 0)
        let top = 92 + Double((keys.count - 1) / 2) * 18  // two keys a row
        let shown = panels.map { glyphs($0.tokens) }
        let laid = zip(panels, shown).map { layout($1, newline: $0.tokens.map { $0 == 10 }) }
        let heights = laid.map { 30 + Double(($0.last?.line ?? -1) + 1) * lineHeight + 14 }
        var svg = SVG(width: width, height: top + heights.reduce(0, +))
        svg.text(title, margin, 24, size: 15, bold: true)
        svg.text(subtitle, margin, 42, size: 11, fill: "#555555")
        for (i, key) in keys.enumerated() {
            let x = i % 2 == 0 ? margin : 220, y = 54 + Double(i / 2) * 18
            for (j, t) in [0.0, 0.5, 1].enumerated() {
                svg.rect(x + Double(j) * 16, y, 14, 14, fill: colour(hues[key.hue], certainty: t).fill)
            }
            svg.text(key.text, x + 54, y + 11, size: 11)
        }
        svg.text("light: router unsure (1/E) · dark: sure (1)", 440, 65, size: 11, fill: "#555555")
        var y = top
        for ((p, g), (boxes, height)) in zip(zip(panels, shown), zip(laid, heights)) {
            svg.text(p.title, margin, y + 14, size: 12, bold: true)
            for (i, b) in boxes.enumerated() {
                let e = Int(p.top1[i]), by = y + 24 + Double(b.line) * lineHeight
                let certainty = (Double(p.prob[i]) - 1 / Double(p.experts)) / (1 - 1 / Double(p.experts))
                let c = colour(hues[hue(e, roles)], certainty: certainty)
                svg.rect(margin + b.x, by, b.w, boxHeight, fill: c.fill,
                         title: "byte \(p.tokens[i]) · \(label(e, roles)) · p \(SVG.num(Double(p.prob[i])))")
                if !g[i].isEmpty && g[i] != " " {
                    svg.text(g[i], margin + b.x + b.w / 2, by + 13, size: 13, anchor: .middle, fill: c.ink, mono: true)
                }
            }
            y += height
        }
        return svg
    }

    /// Expert e as the picture names it: "expert 0 (generalist)" under roles, else "expert 0".
    package static func label(_ e: Int, _ roles: ExpertRoles?) -> String {
        roles.map { "expert \(e) (\($0.isGeneralist(e) ? "generalist" : "specialist"))" } ?? "expert \(e)"
    }

    /// Expert e's index into `hues`: its role's under roles, else its own.
    package static func hue(_ e: Int, _ roles: ExpertRoles?) -> Int { roles.map { $0.isGeneralist(e) ? 0 : 1 } ?? e % hues.count }

    /// The legend's keys (text and index into `hues`) for panels of up to `experts` experts:
    /// the roles present, else one key per expert.
    package static func legend(_ roles: ExpertRoles?, experts: Int) -> [(text: String, hue: Int)] {
        guard let g = roles?.generalists else { return (0..<experts).map { ("expert \($0)", hue($0, nil)) } }
        var keys: [(text: String, hue: Int)] = []
        if g > 0 { keys.append(("generalist (" + (g == 1 ? "expert 0" : "experts 0–\(g - 1)") + ")", hue(0, roles))) }
        if experts > g { keys.append(("specialist (" + (g > 0 ? "the others" : "every expert") + ")", hue(g, roles))) }
        return keys
    }

    /// Fill and text colour: from a hue's light end to its dark end with the router's certainty in [0, 1].
    package static func colour(_ hue: (light: String, dark: String), certainty: Double) -> (fill: String, ink: String) {
        (SVG.mix(hue.light, hue.dark, certainty), certainty > 0.75 ? "#ffffff" : "#222222")  // whichever contrasts more
    }

    /// What each byte shows: printable ASCII as is, a multi-byte UTF-8 character
    /// on its first byte (its continuation bytes show nothing), ⏎ for a newline,
    /// a middle dot for anything else.
    package static func glyphs(_ bytes: [Int32]) -> [String] {
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

    package static func printable(_ u: Unicode.Scalar) -> Bool {
        switch u.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .nonspacingMark, .enclosingMark: false
        default: true
        }
    }

    /// Box positions (x from the left margin, width, line) with wrapping at the
    /// picture's width and a line break after every newline.
    package static func layout(_ glyphs: [String], newline: [Bool]) -> [(x: Double, w: Double, line: Int)] {
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
