import Foundation

/// A value axis: data range rounded out to "nice" ticks, linear or log10,
/// mapped onto a pixel interval (`from` at the low end, `to` at the high end).
package struct Axis {
    package let lo: Double, hi: Double, log: Bool
    package let ticks: [Double]
    package let from: Double, to: Double

    package init(_ values: [Double], log: Bool, from: Double, to: Double) {
        self.log = log
        self.from = from
        self.to = to
        var a = values.min() ?? 0, b = values.max() ?? 1
        if log {
            // 1-2-5 marks within two decades, else whole decades; the axis ends on the marks around the data.
            let d0 = log10(a).rounded(.down), d1 = max(log10(b).rounded(.up), d0 + 1)
            let marks: [Double] = d1 - d0 <= 2 ? [1, 2, 5] : [1]
            let all = stride(from: d0, through: d1, by: 1).flatMap { d in marks.map { $0 * pow(10, d) } }
            let first = all.last { $0 <= a * (1 + 1e-9) }!, last = all.first { $0 >= b * (1 - 1e-9) }!
            lo = first
            hi = last
            ticks = all.filter { $0 >= first && $0 <= last }
        } else {
            if a == b { a -= a == 0 ? 1 : abs(a) * 0.1; b += b == 0 ? 1 : abs(b) * 0.1 }
            let step = Self.niceStep((b - a) / 5)
            let first = (a / step).rounded(.down) * step, last = (b / step).rounded(.up) * step
            lo = first
            hi = last
            ticks = (0...Int(((last - first) / step).rounded())).map { first + Double($0) * step }
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `raw`.
    package static func niceStep(_ raw: Double) -> Double {
        let p = pow(10, log10(raw).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * p }.first { $0 >= raw * (1 - 1e-9) }!
    }

    package func px(_ v: Double) -> Double {
        let t = log ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : (v - lo) / (hi - lo)
        return from + (to - from) * t
    }

    /// Short tick labels: 12k for 12 000, up to two decimals otherwise.
    package static func label(_ v: Double) -> String {
        if abs(v) >= 10_000 { return abs(v) >= 1e6 ? SVG.num(v / 1e6) + "M" : SVG.num(v / 1e3) + "k" }
        return SVG.num(v)
    }
}

/// One line of a chart.
package struct Series {
    package var label: String
    package var points: [(x: Double, y: Double)]

    package init(label: String, points: [(x: Double, y: Double)]) {
        self.label = label
        self.points = points
    }
}

/// A 720 × 440 line chart: one polyline per series, ticks and grid, axis
/// labels, legend on the right; y on a log scale when it spans more than 10×.
package enum LineChart {
    package static func render(title: String, x xLabel: String, y yLabel: String, series: [Series]) -> SVG {
        let w = 720.0, h = 440.0, left = 72.0, right = 190.0, top = 40.0, bottom = 56.0
        var svg = SVG(width: w, height: h)
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let positive = ys.allSatisfy { $0 > 0 }
        let log = positive && (ys.max() ?? 1) > 10 * (ys.min() ?? 1)
        let ax = Axis(xs, log: false, from: left, to: w - right)
        let ay = Axis(ys, log: log, from: h - bottom, to: top)
        svg.text(title, left, 24, size: 15, bold: true)
        for t in ax.ticks {
            let x = ax.px(t)
            svg.line(x, top, x, h - bottom, stroke: "#e6e6e6")
            svg.line(x, h - bottom, x, h - bottom + 5, stroke: "#444444")
            svg.text(Axis.label(t), x, h - bottom + 18, size: 11, anchor: .middle)
        }
        for t in ay.ticks {
            let y = ay.px(t)
            svg.line(left, y, w - right, y, stroke: "#e6e6e6")
            svg.line(left - 5, y, left, y, stroke: "#444444")
            svg.text(Axis.label(t), left - 8, y + 4, size: 11, anchor: .end)
        }
        svg.line(left, h - bottom, w - right, h - bottom, stroke: "#444444")
        svg.line(left, top, left, h - bottom, stroke: "#444444")
        svg.text(xLabel, (left + w - right) / 2, h - 14, size: 12, anchor: .middle)
        svg.text(yLabel + (log ? " (log scale)" : ""), 18, (top + h - bottom) / 2, size: 12, anchor: .middle, vertical: true)
        for (i, s) in series.enumerated() {
            let color = SVG.palette[i % SVG.palette.count], dash = i < SVG.palette.count ? nil : "6 3"
            let pts = s.points.map { (x: ax.px($0.x), y: ay.px($0.y)) }
            svg.polyline(pts, stroke: color, dash: dash)
            // Markers while they do not clutter (a single evaluation is a point, not a line).
            if pts.count <= 40 { for p in pts { svg.rect(p.x - 2.5, p.y - 2.5, 5, 5, fill: color) } }
            let ly = top + 8 + 20 * Double(i), lx = w - right + 16
            svg.line(lx, ly, lx + 22, ly, stroke: color, width: 2.5, dash: dash)
            svg.text(s.label.count > 26 ? s.label.prefix(25) + "…" : s.label, lx + 28, ly + 4, size: 11)
        }
        return svg
    }
}
