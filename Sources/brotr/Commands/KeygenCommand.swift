import ArgumentParser
import Nostr

/// `brotr keygen`: a new Nostr key pair.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Generate a new Nostr key pair and print it in hex and bech32 (NIP-19).")

    func run() throws {
        let key = SecretKey.generate()
        print("""
            public key (hex):   \(key.publicKey.hex)
            public key (npub):  \(key.publicKey.npub)
            secret key (hex):   \(key.hex)
            secret key (nsec):  \(key.nsec)
            """)
    }
}
