import Foundation
import Runbooks
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A run's output at a terminal: its lines, and below them a spinner with
/// the running step and how long it has run, redrawn ten times a second
/// and cleared before each line so that lines never mix with it.
final class TerminalSpinner: Sendable {
    private struct State {
        var step: String?
        var started = 0.0
        var drawn = false
        var frame = 0
        var running = true
    }
    private let state = Mutex(State())
    private static let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

    init() {
        Thread { [self] in
            while state.withLock({ $0.running }) {
                state.withLock { s in
                    guard let step = s.step else { return }
                    s.frame += 1
                    let elapsed = ProcessInfo.processInfo.systemUptime - s.started
                    Self.write("\r\u{1B}[K\(Self.frames[s.frame % Self.frames.count]) \(step) \(String(format: "%.1fs", elapsed))")
                    s.drawn = true
                }
                usleep(100_000)
            }
        }.start()
    }

    var output: RunOutput {
        RunOutput(line: { [self] text in
            state.withLock { s in
                if s.drawn { Self.write("\r\u{1B}[K") }
                s.drawn = false
                Self.write(text + "\n")
            }
        }, activity: { [self] step in
            state.withLock { s in
                if s.drawn && step == nil { Self.write("\r\u{1B}[K") }
                s.drawn = s.drawn && step != nil
                s.step = step
                s.started = ProcessInfo.processInfo.systemUptime
            }
        })
    }

    func stop() {
        state.withLock { s in
            if s.drawn { Self.write("\r\u{1B}[K") }
            s.running = false
            s.step = nil
        }
    }

    private static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(1, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            offset += n
        }
    }
}
