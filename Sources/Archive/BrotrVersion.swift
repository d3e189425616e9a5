/// This build's version. Every read-write open records it in the index (`PRAGMA
/// user_version`), so that an older brotr that finds a schema it does not know can name
/// the version that wrote it.
public enum BrotrVersion {
    public static let current = "0.1.0"

    /// `current` as one integer: major × 1,000,000 + minor × 1,000 + patch.
    static var number: Int32 {
        let parts = current.split(separator: ".").map { Int32($0) ?? 0 } + [0, 0, 0]
        return parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2]
    }

    /// The version a ``number`` stands for; nil for 0 (an index no release recorded).
    static func name(_ number: Int32) -> String? {
        number > 0 ? "\(number / 1_000_000).\(number / 1_000 % 1_000).\(number % 1_000)" : nil
    }
}
