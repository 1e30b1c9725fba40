/// A plain table for terminals (aligned columns, optional ANSI tints) and Markdown.
public struct TextTable: Sendable {
    public enum Align: Sendable { case left, right }
    /// How a cell is tinted on a colour terminal: `good` green, `bad` red.
    public enum Tint: Sendable { case none, good, bad }
    public struct Cell: Sendable, ExpressibleByStringLiteral {
        public var text: String
        public var tint: Tint
        public init(_ text: String, tint: Tint = .none) { self.text = text; self.tint = tint }
        public init(stringLiteral value: String) { self.init(value) }
    }

    public var header: [String]
    public var align: [Align]
    public var rows: [[Cell]]

    /// `align` defaults to left for the first column and right for the others.
    public init(header: [String], align: [Align]? = nil, rows: [[Cell]] = []) {
        self.header = header
        self.align = align ?? header.indices.map { $0 == 0 ? .left : .right }
        self.rows = rows
    }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == header.count, "a row needs one cell per column (\(header.count)), got \(row.count)")
        rows.append(row)
    }

    /// Columns padded to their widest cell, two spaces apart; tints as ANSI colours when `colour`.
    public func text(colour: Bool = false) -> String {
        var width = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { width[i] = max(width[i], cell.text.count) } }
        func line(_ cells: [Cell]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: width[i] - cell.text.count)
                var shown = cell.text
                if colour, cell.tint != .none {   // colour codes after padding, so widths stay right
                    shown = (cell.tint == .good ? "\u{1B}[32m" : "\u{1B}[31m") + shown + "\u{1B}[0m"
                }
                return align[i] == .left ? shown + pad : pad + shown
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        let rule = width.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header.map { Cell($0) }), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// GitHub-flavoured Markdown; `|` in cells is escaped.
    public func markdown() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        let head = "| " + header.map(esc).joined(separator: " | ") + " |"
        let rule = "|" + align.map { $0 == .left ? " --- |" : " ---: |" }.joined()
        let body = rows.map { "| " + $0.map { esc($0.text) }.joined(separator: " | ") + " |" }
        return ([head, rule] + body).joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
