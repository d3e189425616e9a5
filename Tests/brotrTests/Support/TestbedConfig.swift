/// The parts of a brotr.yaml every loopback testbed repeats: loopback relays admitted, the
/// HTTP server on a port of the test's (or off), and every stage off but those the test
/// runs (whose sections it writes itself).
enum TestbedConfig {
    static let stages = ["seeder", "finder", "validator", "monitor", "synchronizer", "refresher", "dvm"]

    static func yaml(httpPort: Int?, running: Set<String>) -> String {
        var text = "network:\n  allow_loopback: true\n"
        text += httpPort.map { "http:\n  listen: 127.0.0.1:\($0)\n" } ?? "http:\n  enabled: false\n"
        for stage in stages where !running.contains(stage) { text += "\(stage):\n  enabled: false\n" }
        return text
    }
}
