/// The seed list compiled into brotr (`seeder.builtin`): long-running public relays of
/// several implementations and operators, to start discovery from. The Finder takes it
/// from there; the list only has to reach the network, not cover it.
enum BuiltinSeeds {
    static let text = """
        # General-purpose public relays
        wss://relay.damus.io
        wss://nos.lol
        wss://relay.primal.net
        wss://relay.nostr.band
        wss://nostr.mom
        wss://relay.snort.social
        wss://offchain.pub
        wss://nostr.oxtr.dev
        wss://relay.nostr.bg
        wss://nostr-pub.wellorder.net
        wss://nostr.bitcoiner.social
        wss://relay.mostr.pub
        wss://nostr.fmt.wiz.biz
        wss://relay.nostrplebs.com
        wss://nostr.land
        wss://nostr.wine
        wss://eden.nostr.land
        wss://relay.current.fyi
        # Relays that index profiles and relay lists (kinds 0, 3, 10002)
        wss://purplepag.es
        wss://relay.nos.social
        wss://indexer.coracle.social
        # Monitors that publish NIP-66 relay discovery events
        wss://relay.nostr.watch
        wss://history.nostr.watch
        """
}
