import Testing
@testable import Runbooks

@Suite struct ParameterTests {
    let parameters = [
        RunbookParameter(name: "path", kind: .string, required: true),
        RunbookParameter(name: "days", kind: .integer, defaultValue: .integer(7)),
        RunbookParameter(name: "ratio", kind: .number),
        RunbookParameter(name: "force", kind: .boolean, defaultValue: .boolean(false)),
        RunbookParameter(name: "wait", kind: .duration),
        RunbookParameter(name: "mode", kind: .choice(["fast", "safe"])),
    ]

    func error(_ given: [String: ParameterInput]) -> String? {
        do {
            _ = try checkParameters(given, against: parameters)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func defaultsAndConversions() throws {
        let values = try checkParameters(["path": .text("/data"), "ratio": .text("0.5"), "wait": .text("1m30s"),
                                          "mode": .string("safe"), "force": .text("yes")], against: parameters)
        #expect(values["path"] == .string("/data"))
        #expect(values["days"] == .integer(7))
        #expect(values["ratio"] == .number(0.5))
        #expect(values["wait"] == .duration(90))
        #expect(values["force"] == .boolean(true))
        #expect(values["mode"] == .string("safe"))
        #expect(try checkParameters(["path": .string("x"), "days": .number(3.0)], against: parameters)["days"] == .integer(3))
    }

    @Test func errorsNameTheParameter() {
        #expect(error([:]) == "param 'path' is required (string)")
        #expect(error(["path": .integer(1)])?.hasPrefix("param 'path' expected a string") == true)
        #expect(error(["path": .text("x"), "days": .text("abc")]) == "param 'days' expected an integer, got \"abc\"")
        #expect(error(["path": .text("x"), "mode": .text("slow")]) == "param 'mode' expected one of fast, safe, got \"slow\"")
        #expect(error(["path": .text("x"), "wait": .text("soon")])?.hasPrefix("param 'wait'") == true)
        #expect(error(["path": .text("x"), "bogus": .text("1")])?.hasPrefix("param 'bogus' is not a parameter") == true)
        #expect(error(["path": .text("x"), "force": .other("table")])?.hasPrefix("param 'force'") == true)
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity, 1e300, 9.223372036854775808e18, 0.5])
    func hostileNumbersAreRefusedAsIntegers(_ value: Double) {
        #expect(error(["path": .text("x"), "days": .number(value)])?.hasPrefix("param 'days' expected an integer") == true)
    }

    @Test func hostileNumbersAsNumbersAndDurations() {
        #expect(error(["path": .text("x"), "ratio": .number(.nan)]) == "param 'ratio' expected a finite number, got nan")
        #expect(error(["path": .text("x"), "ratio": .text("inf")])?.hasPrefix("param 'ratio' expected a finite number") == true)
        #expect(error(["path": .text("x"), "ratio": .number(1e300)]) == nil)
        #expect(error(["path": .text("x"), "wait": .number(.infinity)])?.hasPrefix("param 'wait'") == true)
        #expect(error(["path": .text("x"), "wait": .number(-1)])?.hasPrefix("param 'wait'") == true)
        #expect(error(["path": .text("x"), "days": .text("9223372036854775808")])?.hasPrefix("param 'days'") == true)
    }

    @Test func runbookShapeIsChecked() {
        #expect(throws: RunbookError.definition("runbook 'r' has no steps")) {
            try Runbook(name: "r", version: "1.0.0", description: "", mutates: false, parameters: [], steps: [])
        }
        #expect(throws: RunbookError.definition("runbook 'r': two steps are named \"a\"")) {
            try Runbook(name: "r", version: "1.0.0", description: "", mutates: false, parameters: [],
                        steps: [RunbookStep(name: "a"), RunbookStep(name: "a")])
        }
    }
}
