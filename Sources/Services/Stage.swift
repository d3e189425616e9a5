/// The pipeline stages, in pipeline order (ARCHITECTURE.md section 3).
public enum Stage: String, Sendable, CaseIterable, Hashable {
    case seeder, finder, validator, monitor, synchronizer, refresher, api, dvm

    /// What the stage does, in one line (for `brotr run --help`).
    public var purpose: String {
        switch self {
        case .seeder: "load the seed list of relays on first start"
        case .finder: "discover relay URLs in archived events and HTTP sources"
        case .validator: "check candidate relays speak Nostr and promote them"
        case .monitor: "run NIP-11 and NIP-66 health checks and publish the results"
        case .synchronizer: "archive relays' events with completeness-verified windows"
        case .refresher: "recompute the analytics tables"
        case .api: "serve the read-only REST API"
        case .dvm: "answer NIP-90 data-vending jobs"
        }
    }
}
