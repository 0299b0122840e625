/// Text that came from outside (an agent's words, a model label, a file)
/// made safe to print: on a terminal, control characters (C0 including line
/// breaks, DEL, C1) are shown as visible escapes (`\u{1b}`, `\n`), so an
/// agent can neither move the cursor, retitle the terminal, ring the bell,
/// nor start a row of its own; in Markdown, HTML's special characters are
/// escaped as well, since Markdown renderers pass HTML through.
public enum PrintableText {
    /// One line for a terminal: every control character shown as an escape.
    public static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// One line for Markdown: as for a terminal, and `&`, `<`, `>` as HTML entities.
    public static func markdown(_ text: String) -> String {
        let line = terminal(text)
        guard line.contains(where: { $0 == "<" || $0 == ">" || $0 == "&" }) else { return line }
        var out = ""
        for character in line {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.append(character)
            }
        }
        return out
    }

    /// Lines joined by newlines, each made safe for a terminal (or for Markdown).
    public static func lines(_ lines: [String], markdown: Bool = false) -> String {
        lines.map(markdown ? Self.markdown : Self.terminal).joined(separator: "\n")
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
