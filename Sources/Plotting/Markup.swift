/// Escaping for the markup opslab writes: SVG plots and notebooks' HTML pages.
public enum Markup {
    /// Text safe inside an element or an attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            // Control characters are not allowed in XML 1.0.
            case _ where c.value < 0x20 && c != "\t" && c != "\n": out += " "
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
