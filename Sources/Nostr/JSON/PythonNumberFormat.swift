/// Formats a JSON number as Python's `json.dumps(json.loads(literal))` would, so that
/// brotr's metadata hashes match BigBrotr's byte for byte.
///
/// Integers keep their digits (Python integers are unbounded; `-0` becomes `0`).
/// Other numbers are doubles written as `repr(float)`: the shortest round-trip digits,
/// in positional form when the decimal exponent is in -4..<16, otherwise as `d.ddde+XX`.
enum PythonNumberFormat {
    static func format(_ number: JSONNumber) -> String {
        if number.isInteger {
            let lit = number.literal
            return lit == "-0" ? "0" : lit
        }
        let value = number.doubleValue
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description gives the shortest round-trip digits; re-lay them out.
        let (negative, digits, exponent) = decompose(value.magnitude.description)
        let sign = value < 0 || negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent >= digits.count - 1 {
                return sign + digits + String(repeating: "0", count: exponent - digits.count + 1) + ".0"
            } else if exponent >= 0 {
                let cut = digits.index(digits.startIndex, offsetBy: exponent + 1)
                return sign + digits[..<cut] + "." + digits[cut...]
            } else {
                return sign + "0." + String(repeating: "0", count: -exponent - 1) + digits
            }
        }
        let mantissa = digits.count == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()
        let expText = String(abs(exponent))
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (expText.count < 2 ? "0" : "") + expText
    }

    /// Splits a Swift float description ("123.45", "1e-05", "1.5e+20") into its significant
    /// digits without leading or trailing zeros and the decimal exponent of the first digit.
    static func decompose(_ text: String) -> (negative: Bool, digits: String, exponent: Int) {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() }
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp = Int(s[s.index(after: e)...]) ?? 0
            s = s[..<e]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(parts.first ?? "")
        let fracPart = parts.count > 1 ? String(parts[1]) : ""
        var all = intPart + fracPart
        var pointExp = intPart.count - 1 + exp
        while all.first == "0", all.count > 1 { all.removeFirst(); pointExp -= 1 }
        while all.last == "0", all.count > 1 { all.removeLast() }
        return (negative, all, pointExp)
    }
}
