/// An alert annotation or label template, rendered exactly as Prometheus
/// 2.42 renders it: Go's text/template with Prometheus's functions, run
/// with `missingkey=zero` after the prelude Prometheus prepends
/// (`$labels`, `$externalLabels`, `$externalURL`, `$value`).
public struct AlertTemplate: Sendable {
    /// The template's name as errors show it.  Prometheus names an alert's
    /// templates `__alert_` + the alert name.
    public let name: String
    /// The template as written (without the prelude).
    public let text: String
    private let fullText: String
    private let tree: ParsedTemplate

    /// What Prometheus puts in front of every alert template.
    static let prelude = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
        + "{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// Parses; a syntax error or an unknown function is thrown here (load time).
    ///
    /// - Parameter name: the name errors use; pass `"__alert_" + alertName`
    ///   to match Prometheus's messages.
    public init(_ text: String, name: String) throws(TemplateError) {
        self.name = name
        self.text = text
        self.fullText = Self.prelude + text
        self.tree = try TemplateParser.parse(fullText, name: name, functions: TemplateFunctions.names)
    }

    /// Renders with Prometheus's alert data.  Errors are thrown; callers turn
    /// them into `<error expanding template: \(error)>` as Prometheus does.
    public func render(_ data: AlertTemplateData) throws(TemplateError) -> String {
        var executor = TemplateExecutor(tree: tree, name: name, text: fullText, data: data, dot: .alertData(data))
        do {
            try executor.walk(.alertData(data), tree.root)
        } catch {
            switch error {
            case .failure(let message):
                throw TemplateError("error executing template \(name): \(message)")
            case .breakLoop, .continueLoop:
                break // The parser only allows these inside {{range}}.
            }
        }
        return executor.out
    }

    /// Renders, putting a failure where the text would be, as Prometheus does
    /// for annotations and labels: `<error expanding template: ...>`.
    public func expand(_ data: AlertTemplateData) -> String {
        do {
            return try render(data)
        } catch {
            return "<error expanding template: \(error)>"
        }
    }
}
