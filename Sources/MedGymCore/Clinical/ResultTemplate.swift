/// A result text with `{lab}` placeholders (``Chemistry/names``), filled
/// from the sample: "K {potassium}" reads "K 2.9" when the blood drawn then
/// held 2.9 mmol/L.
public enum ResultTemplate {
    /// The text with every known placeholder replaced; unknown ones are left as written.
    public static func render(_ text: String, chemistry: Chemistry, rr: Double, ventilated: Bool) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "{")) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "{"), let close = bytes[i...].firstIndex(of: UInt8(ascii: "}")) {
                let name = String(decoding: bytes[(i + 1)..<close], as: UTF8.self)
                if let value = chemistry.value(name, rr: rr, ventilated: ventilated) {
                    out.append(contentsOf: Chemistry.format(name, value).utf8)
                } else {
                    out.append(contentsOf: bytes[i...close])
                }
                i = close + 1
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
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
