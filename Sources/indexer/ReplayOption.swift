import ArgumentParser
import Index

/// `--replay TEMPLATE` of `build`, `search` and `serve`.
enum ReplayOption {
    /// The template, or a usage error saying what is wrong with it.
    static func parse(_ argument: String?) throws -> ReplayTemplate? {
        guard let argument else { return nil }
        do { return try ReplayTemplate(argument) } catch { throw ValidationError("--replay: \(error.description)") }
    }

    static let help = """
        A style: pywb:URL or openwayback:URL (URL/{timestamp}/{url}), solrwayback:URL \
        (URL/services/web/{timestamp}/{url}), replayweb:URL (ReplayWeb.page loading the WACZ or \
        WARC at URL; a URL ending in / is a folder of them, the capture's file appended); or a \
        template http(s)://host/... with {url}, {timestamp} (14-digit WARC date), {recordId}, \
        {file}, {archive} (the file before any #) and {offset}, percent-encoded where they land.
        """
}
