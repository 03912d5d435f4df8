import Testing
@testable import Runbooks

/// Commands sent to a host over ssh: quoting, refused destinations, host lists.
@Suite struct SSHTargetTests {
    @Test func theRemoteCommandIsQuotedArgumentByArgument() throws {
        var request = ProcessRequest(argv: ["printf", "%s|", "a b'c", "$HOME"])
        request.environment = ["B": "x y", "A": "it's"]
        request.directory = "/var/log dir"
        request.timeout = 3
        let wrapped = try SSHTarget(destination: "web1", configFile: "/etc/fleet.conf").wrap(request)
        #expect(wrapped.argv == ["ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-F", "/etc/fleet.conf", "web1", "--",
                                 "cd '/var/log dir' && env 'A=it'\\''s' 'B=x y' printf '%s|' 'a b'\\''c' '$HOME'"])
        #expect(wrapped.environment.isEmpty && wrapped.directory == nil && wrapped.timeout == 3 && !wrapped.shell)
        var shell = ProcessRequest(argv: ["du -s * | sort -n"])
        shell.shell = true
        #expect(try SSHTarget(destination: "ssh://ops@db:2222").wrap(shell).argv.suffix(3) == ["ssh://ops@db:2222", "--", "sh -c 'du -s * | sort -n'"])
    }

    @Test func destinationsSshWouldMisreadAreRefused() {
        for bad in ["", "-oProxyCommand=x", "web 1", "web\n1", "a'b", "a\"b", String(repeating: "h", count: 256)] {
            #expect(throws: StepFailure.self, "\(bad)") { try SSHTarget(destination: bad) }
        }
    }

    @Test func hostListsFromTextOrAFile() throws {
        #expect(try SSHTarget.hosts(" a, b ,c", configFile: nil) { _ in "" }.map(\.destination) == ["a", "b", "c"])
        let file = try SSHTarget.hosts("@f", configFile: "cfg") { _ in "# fleet\na\n\n  b  # second\n" }
        #expect(file.map(\.destination) == ["a", "b"] && file.allSatisfy { $0.configFile == "cfg" })
        for bad in ["a,a", "a,,b", ",", "@f"] {
            #expect(throws: StepFailure.self, "\(bad)") { try SSHTarget.hosts(bad, configFile: nil) { _ in "" } }
        }
        #expect(throws: StepFailure.self) { try SSHTarget.hosts(Array(repeating: "h", count: 10_001).enumerated().map { "h\($0.offset)" }.joined(separator: ","), configFile: nil) { _ in "" } }
        #expect(try SSHTarget.hosts((0..<200).map { "h\($0)" }.joined(separator: ","), configFile: nil) { _ in "" }.count == 200)
    }
}
