import BrotrTestSupport
import Foundation
import Nostr
import Testing

/// packaging/build-deb.sh's package, installed with `dpkg --root` into a throwaway root
/// (tools/testbed/deb_root.sh: an empty dpkg database and the programs the maintainer
/// scripts run chrooted): files, owners, modes, the conffile and the unit; a reinstall,
/// an upgrade over an older build, remove and purge. The binary packaged is the one the
/// tests run; the release build differs only in how it is linked.
@Suite(.serialized)
struct PackagingTests {
    static let root = ThirdPartyRelay.repositoryRoot.path

    /// Runs a program to its end; its status and both streams, together.
    @discardableResult
    static func sh(_ command: String, environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let tmp = try TempDirectory("sh")
        defer { tmp.remove() }
        let env = environment.map { "\($0.key)=\($0.value) " }.joined()
        let child = try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "\(env)\(command) 2>&1"], stderrFile: tmp.file("stderr"))
        let status = try await offThePool { child.finish() }
        return (status, child.completeLines.joined(separator: "\n"))
    }

    /// `brotr arguments` run chrooted in `root` as the brotr user, with /proc mounted there
    /// for the while (Swift reads its arguments from it).
    static func brotr(in root: String, _ arguments: String) async throws -> (status: Int32, output: String) {
        try await sh(
            "mount -t proc proc \(root)/proc && { chroot --userspec=brotr:brotr \(root) /usr/bin/brotr \(arguments); s=$?; umount \(root)/proc; exit $s; }")
    }

    /// Mode, owner uid and gid of a path, from stat(1).
    static func stat(_ path: String) async throws -> String {
        try await sh("stat -c '%a %u %g' '\(path)'").output
    }

    @Test func theDebianPackageInstallsUpgradesAndRemovesCleanly() async throws {
        let tmp = try TempDirectory("deb")
        defer { tmp.remove() }
        let binary = BrotrCLI.binary.path
        let build = { (version: String) async throws -> String in
            let result = try await Self.sh("\(Self.root)/packaging/build-deb.sh --binary \(binary) --version \(version) --memory-max 384M --out \(tmp.path)/out --fast")
            #expect(result.status == 0, "\(result.output)")
            return try #require(result.output.split(separator: "\n").last.map(String.init))
        }
        let old = try await build("0.0.9")
        let new = try await build("0.1.0")
        #expect(old.hasSuffix("_0.0.9_\(try await Self.sh("dpkg --print-architecture").output).deb"))
        let contents = try await Self.sh("dpkg-deb --contents \(new)").output
        for path in ["./usr/bin/brotr", "./etc/brotr/brotr.yaml", "./lib/systemd/system/brotr.service", "./usr/share/doc/brotr/operations.md"] {
            #expect(contents.contains("root/root") && contents.contains(path), "\(path) in \(contents)")
        }

        let r = tmp.path + "/root"
        let made = try await Self.sh("\(Self.root)/tools/testbed/deb_root.sh \(r) \(binary)")
        #expect(made.status == 0, "\(made.output)")
        let dpkg = "dpkg --root=\(r)"

        // The older build, then an archive made by the brotr user, as the service would.
        let first = try await Self.sh("\(dpkg) -i \(old)")
        #expect(first.status == 0, "\(first.output)")
        var corpus = CorpusGenerator(seed: 99, authors: 5, start: 1_700_000_000)
        let events = (0..<200).map { _ in corpus.next() }
        try Data(events.map { $0.jsonText + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: r + "/tmp/events.jsonl"))
        let imported = try await Self.brotr(in: r, "import --data /var/lib/brotr /tmp/events.jsonl")
        #expect(imported.status == 0 && imported.output.contains("accepted 200,"), "\(imported.output)")
        // The operator's change to the conffile.
        try await Self.sh("echo '# edited by the operator' >> \(r)/etc/brotr/brotr.yaml")

        // Upgrade, then the same version again: both configure cleanly.
        for (name, deb) in [("upgrade", new), ("reinstall", new)] {
            let result = try await Self.sh("\(dpkg) -i \(deb)")
            #expect(result.status == 0 && !result.output.contains("error"), "\(name): \(result.output)")
        }
        let status = try await Self.sh("dpkg-query --admindir=\(r)/var/lib/dpkg -s brotr").output
        #expect(status.contains("Status: install ok installed") && status.contains("Version: 0.1.0"), "\(status)")
        #expect(status.contains("Conffiles:") && status.contains("/etc/brotr/brotr.yaml"), "\(status)")
        #expect(try String(contentsOfFile: r + "/etc/brotr/brotr.yaml", encoding: .utf8).hasSuffix("# edited by the operator\n"))

        // One system user and group, however often configured; files, owners and modes.
        let passwd = try String(contentsOfFile: r + "/etc/passwd", encoding: .utf8)
        let users = passwd.split(separator: "\n").filter { $0.hasPrefix("brotr:") }
        #expect(users.count == 1 && users.first?.hasSuffix(":/var/lib/brotr:/usr/sbin/nologin") == true, "\(passwd)")
        let uid = try #require(users.first?.split(separator: ":").dropFirst(2).first.map(String.init))
        let gid = try #require(users.first?.split(separator: ":").dropFirst(3).first.map(String.init))
        #expect(Int(uid).map { $0 > 0 && $0 < 1000 } == true, "a system uid: \(uid)")
        #expect(try await Self.stat(r + "/usr/bin/brotr") == "755 0 0")
        #expect(try await Self.stat(r + "/etc/brotr/brotr.yaml") == "640 0 \(gid)")
        #expect(try await Self.stat(r + "/var/lib/brotr") == "750 \(uid) \(gid)")
        #expect(try await Self.stat(r + "/lib/systemd/system/brotr.service") == "644 0 0")

        // The unit: the command, the hardening, the memory ceiling; systemd accepts it.
        let unit = try String(contentsOfFile: r + "/lib/systemd/system/brotr.service", encoding: .utf8)
        for line in [
            "ExecStart=/usr/bin/brotr serve --data /var/lib/brotr --config /etc/brotr/brotr.yaml", "User=brotr", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "ReadWritePaths=/var/lib/brotr", "ProtectHome=yes", "PrivateTmp=yes", "PrivateDevices=yes",
            "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX", "MemoryMax=384M", "Restart=on-failure", "KillSignal=SIGTERM",
            "ExecReload=/bin/kill -HUP $MAINPID",
        ] {
            #expect(unit.split(separator: "\n").contains { $0 == line }, "\(line)")
        }
        let verify = try await Self.sh("systemd-analyze verify --root=\(r) /lib/systemd/system/brotr.service")
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")

        // The archive survived the upgrade, and the new binary reads it.
        let check = try await Self.brotr(in: r, "check --data /var/lib/brotr")
        #expect(check.status == 0, "\(check.output)")

        // Remove keeps the archive and the conffile; purge keeps the archive unless asked.
        #expect(try await Self.sh("\(dpkg) -r brotr").status == 0)
        #expect(!FileManager.default.fileExists(atPath: r + "/usr/bin/brotr"))
        #expect(FileManager.default.fileExists(atPath: r + "/etc/brotr/brotr.yaml"))
        let purge = try await Self.sh("\(dpkg) -P brotr")
        #expect(purge.status == 0 && purge.output.contains("/var/lib/brotr is kept"), "\(purge.output)")
        #expect(!FileManager.default.fileExists(atPath: r + "/etc/brotr"))
        #expect(FileManager.default.fileExists(atPath: r + "/var/lib/brotr/index.sqlite"))
        #expect(try await Self.sh("\(dpkg) -i \(new)").status == 0)
        #expect(try await Self.sh("\(dpkg) -P brotr", environment: ["BROTR_PURGE_DATA": "yes"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: r + "/var/lib/brotr"))
    }
}
