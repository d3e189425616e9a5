/// A stage that cannot do its work, with what was wrong and what to do.
public struct StageError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }

    static let readOnlyArchive = StageError("this stage writes to the archive: open it for writing")
}
