/// Why `indexer serve` refused to start. Read failures while serving become HTTP statuses
/// (see `SearchAPI`, `RequestHandler`), not errors.
package enum ServeError: Error, Equatable, CustomStringConvertible {
    /// The folder lacks `manifest.json` or `blocks/`.
    case notAnIndexFolder(path: String)

    package var description: String {
        switch self {
        case .notAnIndexFolder(let p): "\(p): not an index folder (manifest.json and blocks/ expected)"
        }
    }
}
