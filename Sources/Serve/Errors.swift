/// Why `indexer serve` refused to start. Read failures while serving become HTTP statuses
/// (see `SearchAPI`, `RequestHandler`), not errors.
public enum ServeError: Error, Equatable, CustomStringConvertible {
    /// The folder lacks `manifest.json` or `blocks/`.
    case notAnIndexFolder(path: String)

    public var description: String {
        switch self {
        case .notAnIndexFolder(let p): "\(p): not an index folder (manifest.json and blocks/ expected)"
        }
    }
}
