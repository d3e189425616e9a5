import Crypto
public import Foundation
import SwiftASN1
import X509

/// A self-signed certificate made when a test runs, valid over the dates it is given (an
/// expired one, say), for a relay on 127.0.0.1 and localhost.
public struct TestCertificate: Sendable {
    public let certificatePEM: String
    public let privateKeyPEM: String
    /// The certificate, DER.
    public let der: [UInt8]

    public init(commonName: String = "brotr test relay", organization: String = "brotr tests", notBefore: Date, notAfter: Date) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName(organization)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [0x0B, 0x7D, 0x2A]), publicKey: .init(key.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: .init(key))
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        der = serializer.serializedBytes
        certificatePEM = try certificate.serializeAsPEM().pemString
        privateKeyPEM = key.pemRepresentation
    }
}
