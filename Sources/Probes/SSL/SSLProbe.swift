import Crypto
import Foundation
import SwiftASN1
public import Nostr
public import Transport
import X509

/// NIP-66's ssl check for wss relays: what the certificate says (subject, issuer, dates,
/// names, serial, fingerprint), the TLS version and the cipher suite, from a handshake that accepts any
/// certificate, and, from a second handshake that verifies chain, dates and name, whether
/// it is valid. Extraction and validation are apart, so an expired or self-signed
/// certificate is still described. Never throws.
public enum SSLProbe {
    /// A certificate as the ssl check reports it, in BigBrotr's terms.
    public struct Description: Sendable, Hashable {
        /// Whether a verifying handshake succeeded.
        public var valid: Bool
        /// Why it did not, when it did not.
        public var invalidReason: String?
        public var subjectCN: String?
        /// The issuer's organization and common name.
        public var issuer: String?
        public var issuerCN: String?
        /// Unix seconds.
        public var notBefore: Int64
        public var expires: Int64
        /// The DNS names among the subject alternative names.
        public var names: [String]
        /// The serial number as uppercase hex, without leading zeros.
        public var serial: String
        /// The X.509 version as encoded (2 for v3).
        public var version: Int
        /// SHA-256 of the DER, uppercase hex pairs joined by colons.
        public var fingerprint: String
        public var tlsVersion: String?
        /// The negotiated suite's IANA name and key size.
        public var cipher: String?
        public var cipherBits: Int?
    }

    public static func run(_ relay: RelayURL, timeout: Duration = .seconds(10), options: ConnectionOptions) async -> ProbeResult<Description> {
        var options = options
        options.connectTimeout = min(options.connectTimeout, timeout)
        async let verified: Result<TLSHandshake.Peer, any Error> = { [options] in
            do { return .success(try await TLSHandshake.run(relay, verify: true, options: options)) } catch { return .failure(error) }
        }()
        let peer: TLSHandshake.Peer
        do {
            peer = try await TLSHandshake.run(relay, verify: false, options: options)
        } catch {
            _ = await verified
            return .failure("\(error)")
        }
        let certificate: Certificate
        do {
            certificate = try Certificate(derEncoded: peer.certificate)
        } catch {
            _ = await verified
            return .failure("the certificate does not parse: \(error)", retryable: false)
        }
        var description = describe(certificate, der: peer.certificate, tlsVersion: peer.tlsVersion)
        description.cipher = peer.cipher?.name
        description.cipherBits = peer.cipher?.bits
        if case .failure(let error) = await verified {
            description.valid = false
            description.invalidReason = "\(error)"
        }
        return .success(description, logs: description.invalidReason.map { ["not valid: \($0)"] } ?? [])
    }

    static func describe(_ c: Certificate, der: [UInt8], tlsVersion: String?) -> Description {
        func first(_ name: DistinguishedName, _ type: ASN1ObjectIdentifier) -> String? {
            for rdn in name { for attribute in rdn where attribute.type == type { return String(attribute.value) } }
            return nil
        }
        let names = (try? c.extensions.subjectAlternativeNames).flatMap { $0 }?.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns }
            return nil
        } ?? []
        let hex = Array(c.serialNumber.bytes).map { String(format: "%02X", $0) }.joined()
        let serial = String(hex.drop(while: { $0 == "0" }))
        let digest = SHA256.hash(data: der).map { String(format: "%02X", $0) }.joined(separator: ":")
        return Description(
            valid: true, invalidReason: nil, subjectCN: first(c.subject, ASN1ObjectIdentifier.RDNAttributeType.commonName),
            issuer: first(c.issuer, ASN1ObjectIdentifier.RDNAttributeType.organizationName), issuerCN: first(c.issuer, ASN1ObjectIdentifier.RDNAttributeType.commonName),
            notBefore: Int64(c.notValidBefore.timeIntervalSince1970), expires: Int64(c.notValidAfter.timeIntervalSince1970), names: names,
            serial: serial.isEmpty ? "0" : serial, version: c.version == .v1 ? 0 : c.version == .v3 ? 2 : 1, fingerprint: digest,
            tlsVersion: tlsVersion, cipher: nil, cipherBits: nil)
    }

    /// The `nip66_ssl` record, in BigBrotr's keys (`ssl_valid`, `ssl_subject_cn`,
    /// `ssl_issuer`, `ssl_issuer_cn`, `ssl_expires`, `ssl_not_before`, `ssl_san`,
    /// `ssl_serial`, `ssl_version`, `ssl_fingerprint`, `ssl_protocol`, `ssl_cipher`,
    /// `ssl_cipher_bits`).
    public static func metadata(_ result: ProbeResult<Description>) throws -> Metadata {
        try result.metadata(.nip66SSL) { d in
            var data: [String: JSONValue] = [
                "ssl_valid": .bool(d.valid), "ssl_expires": .number(JSONNumber(d.expires)), "ssl_not_before": .number(JSONNumber(d.notBefore)),
                "ssl_serial": .string(d.serial), "ssl_version": .number(JSONNumber(Int64(d.version))), "ssl_fingerprint": .string(d.fingerprint),
            ]
            if let v = d.subjectCN { data["ssl_subject_cn"] = .string(v) }
            if let v = d.issuer { data["ssl_issuer"] = .string(v) }
            if let v = d.issuerCN { data["ssl_issuer_cn"] = .string(v) }
            if !d.names.isEmpty { data["ssl_san"] = .array(d.names.map { .string($0) }) }
            if let v = d.tlsVersion { data["ssl_protocol"] = .string(v) }
            if let v = d.cipher { data["ssl_cipher"] = .string(v) }
            if let v = d.cipherBits { data["ssl_cipher_bits"] = .number(JSONNumber(Int64(v))) }
            return data
        }
    }
}
