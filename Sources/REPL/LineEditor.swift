import CEditline
#if canImport(Glibc)
import Glibc
#endif

/// Interactive line input through libedit: emacs keys, history with
/// reverse search (Ctrl-R), tab completion, and Ctrl-C that clears the line.
final class LineEditor {
    /// What one read produced.
    enum Input {
        case line(String)
        /// Ctrl-C at the prompt.
        case interrupted
        /// Ctrl-D on an empty line, or the end of input.
        case endOfInput
    }

    /// Completion: given the text before the cursor, the candidates and how
    /// many characters at its end they replace.
    /// What TAB offers: words that replace the last `replacing` characters,
    /// or a signature line to show when there is no word to complete.
    typealias Completion = (candidates: [String], replacing: Int, signature: String?)
    typealias Completer = (String) -> Completion

    private var editor: OpaquePointer?
    private var history: OpaquePointer?
    private var promptBuffer: UnsafeMutablePointer<CChar>?
    private let completer: Completer

    init(program: String, completer: @escaping Completer) {
        self.completer = completer
        let this = Unmanaged.passUnretained(self).toOpaque()
        editor = editline_open(program, this)
        history = editline_history_open(2000)
        if let editor, let history {
            editline_attach_history(editor, history)
            editline_set_prompt(editor, { el in
                guard let el, let data = editline_client_data(el) else { return nil }
                return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().promptBuffer
            })
            editline_bind_command(editor, "opslab-complete", "complete the word before the cursor", "^I") { el, _ in
                guard let el, let data = editline_client_data(el) else { return UInt8(CC_ERROR) }
                return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().complete(el)
            }
        }
    }

    deinit {
        if let editor { editline_close(editor) }
        if let history { editline_history_close(history) }
        free(promptBuffer)
    }

    /// Adds an entry to the in-memory history (for Up and Ctrl-R).
    func remember(_ entry: String) {
        if let history { editline_history_add(history, entry) }
    }

    func read(prompt: String) -> Input {
        free(promptBuffer)
        promptBuffer = strdup(prompt)
        guard let editor else { return .endOfInput }
        var count: Int32 = 0
        guard let line = editline_gets(editor, &count) else {
            if count == -1 && errno == EINTR {
                editline_reset(editor)
                return .interrupted
            }
            return .endOfInput
        }
        var text = String(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        return .line(text)
    }

    private func complete(_ el: OpaquePointer) -> UInt8 {
        var before: UnsafeMutablePointer<CChar>?
        var after: UnsafeMutablePointer<CChar>?
        editline_line(el, &before, &after)
        defer { free(before); free(after) }
        let text = before.map { String(cString: $0) } ?? ""
        let (candidates, replacing, signature) = completer(text)
        if let signature {
            print("\n" + signature)
            return UInt8(CC_REDISPLAY)
        }
        guard !candidates.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        let typed = String(text.suffix(replacing))
        let common = commonPrefix(candidates)
        if common.count > typed.count {
            editline_insert(el, String(common.dropFirst(typed.count)))
            return UInt8(CC_REFRESH)
        }
        if candidates.count == 1 { return UInt8(CC_REFRESH) }
        // Several candidates and nothing more in common: show them.
        print("\n" + columns(candidates), terminator: "")
        return UInt8(CC_REDISPLAY)
    }

    private func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for word in words.dropFirst() {
            while !word.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }

    private func columns(_ words: [String]) -> String {
        let shown = words.prefix(200)
        let width = (shown.map(\.count).max() ?? 0) + 2
        let perLine = max(1, 80 / width)
        var out = ""
        for (i, word) in shown.enumerated() {
            out += word + String(repeating: " ", count: width - word.count)
            if i % perLine == perLine - 1 { out += "\n" }
        }
        if !out.hasSuffix("\n") { out += "\n" }
        if words.count > shown.count { out += "... \(words.count - shown.count) more\n" }
        return out
    }
}
