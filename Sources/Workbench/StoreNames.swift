import MetricsStore

// The module MetricsStore shares its name with its main class, so
// `MetricsStore.LabelMatcher` names a (missing) member of the class. This
// file imports the store alone, where `LabelMatcher` is unambiguous.

/// The store's label matcher, beside PromQL's of the same name.
typealias StoreLabelMatcher = LabelMatcher
