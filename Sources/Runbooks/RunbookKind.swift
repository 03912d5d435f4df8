import Plugins

extension PluginKind {
    /// Checks and fixes for an on-call engineer: `params` and `steps`, each
    /// step a table with `name` and `run` (and optionally `undo`, `timeout`,
    /// `retries`, `readonly`). The steps' own fields are checked when the
    /// runbook is shown or run, where the error can name the step.
    public static let runbook = PluginKind(
        name: "runbook", summary: "named steps with run/undo that check or fix a machine, audited",
        requiredFunctions: [],
        validate: { manifest in
            switch manifest.fields["steps"] {
            case nil:
                return ManifestProblem(field: "steps", message: "is missing (a runbook must define steps as a list of {name = ..., run = function(ctx) ... end})")
            case .list(let steps)?:
                guard !steps.isEmpty else { return ManifestProblem(field: "steps", message: "is empty: a runbook needs at least one step") }
                return nil
            case let other?:
                return ManifestProblem(field: "steps", message: "expected a list of step tables, got \(other.summary)")
            }
        })
}
