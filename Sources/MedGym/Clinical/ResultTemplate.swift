/// A result text with `{lab}` placeholders (``Chemistry/names``), filled
/// from the sample: "K {potassium}" reads "K 2.9" when the blood drawn then
/// held 2.9 mmol/L.
public enum ResultTemplate {
    /// The text with every known placeholder replaced; unknown ones are left as written.
    public static func render(_ text: String, chemistry: Chemistry, rr: Double, ventilated: Bool) -> String {
        guard text.contains("{") else { return text }
        var out = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            if let value = chemistry.value(name, rr: rr, ventilated: ventilated) {
                out += Chemistry.format(name, value)
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }

    /// The placeholders a text uses.
    public static func placeholders(_ text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
