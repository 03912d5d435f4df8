// swift-tools-version:6.0
import Foundation
import PackageDescription

// The tensor kernels are written with SIMD8<Float>. On x86-64 they are
// compiled for AVX2 and FMA (every x86 server CPU since 2013), where such a
// vector is one register instead of two SSE halves; exp and the reductions
// run about 1.5x faster. OPSLAB_PORTABLE=1 builds them for baseline x86-64,
// for older machines (the binary then runs anywhere, more slowly).
let tensorSettings: [SwiftSetting] = {
    #if arch(x86_64)
    if ProcessInfo.processInfo.environment["OPSLAB_PORTABLE"] == nil {
        return [.unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma"]), .define("TENSOR_FMA")]
    }
    #endif
    return []
}()

let package = Package(
    name: "opslab",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "opslab", targets: ["opslab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // System libraries and the C shims that make their macros and variadic
        // functions callable from Swift.
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4",
                       providers: [.apt(["liblua5.4-dev"])]),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "CEditline", linkerSettings: [.linkedLibrary("edit")]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),

        // Domain modules: no Lua inside.
        .target(name: "Plugins"),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: tensorSettings),
        .target(name: "NN", dependencies: ["Tensor", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Telemetry"),
        .target(name: "Plotting"),
        .target(name: "Notebooks", dependencies: ["Plotting"]),
        .target(name: "MetricsStore", dependencies: ["Telemetry", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "PromQL", dependencies: ["Telemetry"]),
        .target(name: "Alerting", dependencies: ["PromQL", "Telemetry", .product(name: "Yams", package: "Yams")]),
        .target(name: "Notifications", dependencies: [
            "Alerting", "Telemetry",
            .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Runbooks", dependencies: [
            "Plugins", "Telemetry",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "GRDB", package: "GRDB.swift"),
        ]),

        // The bridge, the environment, the shell.
        // Lua written for the bridge and the bindings lives in .lua files
        // beside the Swift that runs it, compiled into the binary.
        .target(name: "LuaKit", dependencies: ["CLua", "CLuaShim"], resources: [.embedInCode("sandbox.lua")]),
        .target(name: "Workbench",
                dependencies: ["LuaKit", "Plugins", "Telemetry", "Plotting", "Tensor", "NN", "MetricsStore", "PromQL", "Alerting",
                               "Notifications", "Notebooks", "Runbooks"],
                resources: [
                    .embedInCode("Tensor/tensor.lua"), .embedInCode("NN/fit.lua"),
                    .embedInCode("Metrics/vector.lua"), .embedInCode("Plugins/capabilities.lua"),
                    .embedInCode("Plugins/sandbox_modules.lua"), .embedInCode("Base/json.lua"), .embedInCode("Plugins/testing.lua"),
                ]),
        .target(name: "REPL", dependencies: ["Workbench", "LuaKit", "Plugins", "Telemetry", "Alerting", "CEditline", "Runbooks"]),
        .executableTarget(name: "opslab", dependencies: [
            "Workbench", "REPL", "LuaKit", "Alerting", "Notifications", "PromQL",
            "Telemetry", "NN", "Plugins", "MetricsStore", "Notebooks", "Runbooks",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),

        // Helpers shared by the test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LuaKitTests", dependencies: ["LuaKit"]),
        .testTarget(name: "PluginsTests", dependencies: ["Plugins"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"]),
        .testTarget(name: "NNTests", dependencies: ["NN"]),
        .testTarget(name: "TelemetryTests", dependencies: ["Telemetry"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting"]),
        .testTarget(name: "NotebooksTests", dependencies: ["Notebooks", "Plotting"]),
        // GRDB for tests that write rows as older versions of the store did.
        .testTarget(name: "MetricsStoreTests", dependencies: ["MetricsStore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "TestSupport"]),
        .testTarget(name: "AlertingTests", dependencies: ["Alerting", "PromQL", "Telemetry"], exclude: ["template_oracle.py"]),
        .testTarget(name: "NotificationsTests", dependencies: ["Notifications", "Alerting", "Telemetry",
                                                               .product(name: "Logging", package: "swift-log"),
                                                               .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "RunbooksTests", dependencies: ["Runbooks"]),
        .testTarget(name: "WorkbenchTests", dependencies: ["Workbench", "LuaKit", "Plugins", "MetricsStore", "Telemetry", "Alerting", "Notifications", "TestSupport"]),
    ]
)
