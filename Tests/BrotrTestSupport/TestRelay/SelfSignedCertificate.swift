import Foundation

/// A self-signed certificate for 127.0.0.1 and localhost, made for these tests only
/// (`openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -days 36500`). No
/// client trusts it: a relay that presents it tests the insecure fallback.
public enum SelfSignedCertificate {
    static let certificatePEM = """
        -----BEGIN CERTIFICATE-----
        MIIBqjCCAU+gAwIBAgIUFeno29Wm3Zy2fLAD/3kmRvXLmGkwCgYIKoZIzj0EAwIw
        GzEZMBcGA1UEAwwQYnJvdHIgdGVzdCByZWxheTAgFw0yNjExMjMwNDA1NDJaGA8y
        MTI2MTAzMDA0MDU0MlowGzEZMBcGA1UEAwwQYnJvdHIgdGVzdCByZWxheTBZMBMG
        ByqGSM49AgEGCCqGSM49AwEHA0IABAGTkGb5nNt87S3IBlvd2D9/OM3Ug7Lgj0RI
        PO8pdxU7gLdw6ACKUDELGf9abs7qx+Cld3DgZBKNGFhOk2F0MmejbzBtMB0GA1Ud
        DgQWBBRcRzTYoFpg6hMbtpfPbBqIVrkudjAfBgNVHSMEGDAWgBRcRzTYoFpg6hMb
        tpfPbBqIVrkudjAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxv
        Y2FsaG9zdDAKBggqhkjOPQQDAgNJADBGAiEAgjRqBMU5AnmaY5JDMGLd8ifa/nSF
        B8Ka0vb3rnQbfIsCIQCcpmaVc1yPTMueqS+mrOndk+9lZpwyocG4EPxAxYqYTw==
        -----END CERTIFICATE-----
        """

    static let privateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgrcYBIbM2dJXrLHRj
        kBlTQojzJMR+UpVbieOtT8iSutyhRANCAAQBk5Bm+ZzbfO0tyAZb3dg/fzjN1IOy
        4I9ESDzvKXcVO4C3cOgAilAxCxn/Wm7O6sfgpXdw4GQSjRhYTpNhdDJn
        -----END PRIVATE KEY-----
        """

    /// The certificate in DER, as a TLS handshake presents it.
    public static var certificateDER: [UInt8] {
        let body = certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Data(base64Encoded: body).map { [UInt8]($0) } ?? []
    }
}
