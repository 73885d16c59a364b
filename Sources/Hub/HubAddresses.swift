import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which URLs the hub fetches for a registrant (its proof file, the site it follows). Anyone
/// may register, so without this a caller could make the hub request its own loopback
/// services, its LAN or a cloud metadata address. A hub on a LAN that follows LAN sites is
/// started with `--allow-private-follow`. (A name that resolves to a public address here and
/// to a private one when fetched, DNS rebinding, is not caught.)
enum HubAddresses {
    /// Refuses `url` unless it is http(s) and every address its host resolves to is public.
    static func check(_ url: String, allowPrivate: Bool) throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), let host = URLComponents(string: url)?.host, !host.isEmpty else {
            throw HubRefusal(400, "bad-url", "follow must be an http(s) URL of an index folder")
        }
        if allowPrivate { return }
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else {
            throw HubRefusal(400, "bad-url", "\(host) does not resolve")
        }
        defer { freeaddrinfo(list) }
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let a = next {
            if let kind = describePrivate(a.pointee) {
                throw HubRefusal(
                    403, "private-address",
                    "\(host) is \(kind); this hub fetches only public addresses (its admin can allow private ones)")
            }
            next = a.pointee.ai_next
        }
    }

    /// What kind of non-public address `a` is, or nil for a public one.
    static func describePrivate(_ a: addrinfo) -> String? {
        guard let sa = a.ai_addr else { return "no address" }
        switch Int32(a.ai_family) {
        case AF_INET:
            let bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) } }
            return privateIPv4(bytes)
        case AF_INET6:
            let b = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) } }
            if b[0..<15].allSatisfy({ $0 == 0 }) && (b[15] == 0 || b[15] == 1) { return "a loopback or unspecified address" }
            if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xff && b[11] == 0xff { return privateIPv4(Array(b[12...])) }
            if b[0] & 0xfe == 0xfc { return "a private address" }
            if b[0] == 0xfe && b[1] & 0xc0 == 0x80 { return "a link-local address" }
            if b[0] == 0xff { return "a multicast address" }
            return nil
        default:
            return "not an internet address"
        }
    }

    /// `b` is an IPv4 address in network order.
    static func privateIPv4(_ b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (127, _), (0, _): "a loopback or unspecified address"
        case (10, _), (172, 16...31), (192, 168), (100, 64...127): "a private address"
        case (169, 254): "a link-local address"
        case (224...255, _): "a multicast or reserved address"
        default: nil
        }
    }
}
