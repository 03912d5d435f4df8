import Foundation
import LuaKit
import Telemetry
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `http`: requests from the shell, and from plugins granted `net` to the
/// hosts their manifest lists (capabilities.lua wraps request with that list).
extension Workbench {
    func installHTTP() {
        lua.registerModule("http", functions: [
            LuaFunction("http.request", doc: """
                http.request({url = "https://...", method = "GET", headers = {}, body = "", timeout = 10, max_bytes = 10485760} [, hosts: table]) -> table
                One HTTP exchange: {status, headers (names lower-cased), body, seconds}. Redirects are not
                followed (a 3xx comes back with its location header); a body over max_bytes, a transport
                failure or no response within timeout seconds is an error. With hosts, the URL's host must
                match one ("*" any, "*.domain" its subdomains): how a plugin's manifest limits it.
                """) { [unowned self] call in
                try pushResponse(call, try fetch(call, try call.table(1), hosts: try call.optionalTable(2)))
            },
            LuaFunction("http.get", doc: """
                http.get(url: string [, {headers = {}, timeout = 10, max_bytes = 10485760}]) -> table
                http.request with method GET.
                """) { [unowned self] call in
                var options = try call.optionalTable(2) ?? LuaTableValue()
                options.fields["url"] = .string(try call.string(1))
                return try pushResponse(call, try fetch(call, options, hosts: nil, function: "http.get"))
            },
            LuaFunction("http.post", doc: """
                http.post(url: string, body: string [, {headers = {}, timeout = 10, max_bytes = 10485760}]) -> table
                http.request with method POST; a body that is JSON gets Content-Type application/json
                unless headers say otherwise.
                """) { [unowned self] call in
                var options = try call.optionalTable(3) ?? LuaTableValue()
                options.fields["url"] = .string(try call.string(1))
                options.fields["body"] = .string(try call.string(2))
                options.fields["method"] = .string("POST")
                return try pushResponse(call, try fetch(call, options, hosts: nil, function: "http.post"))
            },
        ])
        document("http", """
            http: http.get(url), http.post(url, body), http.request{...} -> {status, headers, body, seconds}.
            No redirects followed, bounded size and time. Plugins reach it with the net permission, only
            to the hosts their manifest lists.
            """)
    }

    private func fetch(_ call: LuaCall, _ table: LuaTableValue, hosts: LuaTableValue?, function: String = "http.request") throws -> HTTPExchange.Response {
        let options = try LuaOptions(table, function: function, allowed: ["url", "method", "headers", "body", "timeout", "max_bytes"])
        guard let text = try options.optionalString("url"), let url = URL(string: text),
              let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host?.lowercased() else {
            throw options.error("url", "must be an http or https URL")
        }
        if let hosts {
            let patterns = hosts.array.compactMap(\.stringValue)
            guard url.user == nil, patterns.contains(where: { Self.host(host, matches: $0.lowercased()) }) else {
                throw call.error("host \(host) is not in the plugin's hosts (\(patterns.joined(separator: ", ")))")
            }
        }
        let method = (try options.optionalString("method") ?? "GET").uppercased()
        guard ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"].contains(method) else {
            throw options.error("method", "must be GET, POST, PUT, DELETE, HEAD or PATCH, got \(method)")
        }
        let timeout = try options.number("timeout", default: 10, in: 0.001...3_600)
        let maxBytes = try options.integer("max_bytes", default: 10 << 20, in: 0...(1 << 30))
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        if let body = try options.optionalString("body") {
            request.httpBody = Data(body.utf8)
            if body.first == "{" || body.first == "[" { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        }
        request.setValue("opslab/\(Workbench.version)", forHTTPHeaderField: "User-Agent")
        switch table["headers"] {
        case .nil: break
        case .table(let headers):
            for (name, value) in headers.fields {
                guard let value = value.stringValue, !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else {
                    throw options.error("headers", "must map header names to strings on one line")
                }
                request.setValue(value, forHTTPHeaderField: name)
            }
        default: throw options.error("headers", "must be a table of name = value")
        }
        do {
            return try HTTPExchange.perform(request, timeout: timeout, maxBytes: maxBytes)
        } catch {
            throw call.error("\(text): \(error)")
        }
    }

    private func pushResponse(_ call: LuaCall, _ response: HTTPExchange.Response) throws -> Int32 {
        call.stack.push(.table(LuaTableValue(fields: [
            "status": .integer(Int64(response.status)),
            "headers": .table(LuaTableValue(fields: response.headers.mapValues(LuaValue.string))),
            "seconds": .number(response.seconds),
        ])))
        call.stack.push(bytes: [UInt8](response.body))
        call.stack.setField("body", inTableAt: -2)
        return 1
    }

    /// "*" matches any host, "*.example.com" its subdomains, anything else itself.
    static func host(_ host: String, matches pattern: String) -> Bool {
        if pattern == "*" || pattern == host { return true }
        guard pattern.hasPrefix("*.") else { return false }
        return host.hasSuffix(String(pattern.dropFirst()))
    }
}
