/// The tool's version, in one place (`indexer --version` prints it). Semantic versioning;
/// bump it with every release.
public enum IndexerVersion {
    public static let current = "0.1.0"
}
