// Samples, names, validation and the Prometheus text format.

import Testing
@testable import Telemetry

@Suite struct LabelsAndNamesTests {
    @Test func labelsAreSortedAndOrderIndependent() {
        let a: Labels = ["mode": "idle", "cpu": "0"]
        let b = Labels([("cpu", "0"), ("mode", "idle")])
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.pairs.map(\.name) == ["cpu", "mode"])
        #expect(a["mode"] == "idle")
        #expect(a.with("cpu", "1")["cpu"] == "1")
    }

    @Test func metricAndLabelNameRules() {
        #expect(MetricNames.isValidMetricName("node_cpu_seconds_total"))
        #expect(MetricNames.isValidMetricName("job:rate5m"))
        #expect(!MetricNames.isValidMetricName("9lives"))
        #expect(!MetricNames.isValidMetricName("has-dash"))
        #expect(!MetricNames.isValidMetricName(""))
        #expect(MetricNames.isValidLabelName("device"))
        #expect(!MetricNames.isValidLabelName("__name__"))
        #expect(!MetricNames.isValidLabelName("a:b"))
        #expect(MetricNames.sanitize("gpu requires reset") == "gpu_requires_reset")
        #expect(MetricNames.sanitize("1abc") == "_1abc")
    }

    @Test(arguments: [
        ("MemTotal", "mem_total"), ("Active(anon)", "active_anon"), ("HugePages_Total", "huge_pages_total"),
        ("KReclaimable", "k_reclaimable"), ("SUnreclaim", "s_unreclaim"), ("DirectMap2M", "direct_map2m"), ("Committed_AS", "committed_as"),
        ("NFS_Unstable", "nfs_unstable"), ("DirectMap4k", "direct_map4k"), ("Hugepagesize", "hugepagesize"),
        ("ShmemPmdMapped", "shmem_pmd_mapped"),
    ])
    func snakeCase(field: String, expected: String) {
        #expect(MetricNames.snakeCase(field) == expected)
    }

    @Test func validatorRejectsMalformedSamples() {
        let ok = Sample("x_total", ["a": "1"], 1, timestampMs: 0)
        #expect(throws: Never.self) { try SampleValidator.validate([ok]) }
        #expect(throws: SampleValidationError.invalidMetricName("bad-name")) {
            try SampleValidator.validate([Sample("bad-name", 1, timestampMs: 0)])
        }
        #expect(throws: SampleValidationError.invalidLabelName(metric: "x", label: "__x")) {
            try SampleValidator.validate([Sample("x", ["__x": "1"], 1, timestampMs: 0)])
        }
        #expect(throws: SampleValidationError.invalidLabelValue(metric: "x", label: "gpu", value: "NaN")) {
            try SampleValidator.validate([Sample("x", ["gpu": "NaN"], 1, timestampMs: 0)])
        }
        #expect(throws: SampleValidationError.duplicateSeries("x_total{a=\"1\"}")) {
            try SampleValidator.validate([ok, ok])
        }
        let counters = MetricCatalog([MetricDescriptor("x_total", .counter, "x")])
        #expect(throws: SampleValidationError.self) {
            try SampleValidator.validate([Sample("x_total", -1, timestampMs: 0)], descriptors: counters)
        }
    }
}

@Suite struct PrometheusTextTests {
    @Test func escapesLabelValuesAndHelp() {
        #expect(PrometheusText.escapeLabelValue(#"a\b"c"# + "\nd") == #"a\\b\"c\nd"#)
        #expect(PrometheusText.escapeHelp(#"say "hi" \ bye"# + "\n") == #"say "hi" \\ bye\n"#)
    }

    @Test(arguments: [
        (1024.0, "1024"), (0.25, "0.25"), (-3.0, "-3"), (-0.0, "0"), (1e-7, "1e-07"),
        (Double.nan, "NaN"), (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"),
        (18446744073709551615.0, "1.8446744073709552e+19"), (9007199254740991.0, "9007199254740991"), (1e20, "1e+20"),
    ])
    func formatsValues(value: Double, expected: String) {
        #expect(PrometheusText.formatValue(value) == expected)
    }

    @Test func rendersFamiliesGroupedSortedWithOneTypeEach() {
        let catalog = MetricCatalog([
            MetricDescriptor("b_total", .counter, "B things.\nSecond line"),
            MetricDescriptor("a_bytes", .gauge, #"A "quoted" \ help"#),
        ])
        let samples = [
            Sample("b_total", ["x": "2"], 5, timestampMs: 1000),
            Sample("a_bytes", ["path": "C:\\dir \"q\"\nnext"], 1.5, timestampMs: 1000),
            Sample("b_total", ["x": "1"], .nan, timestampMs: 1000),
            Sample("zzz", 1, timestampMs: 1000),
        ]
        let text = PrometheusText.render(samples, catalog: catalog)
        let expected = """
        # HELP a_bytes A "quoted" \\\\ help
        # TYPE a_bytes gauge
        a_bytes{path="C:\\\\dir \\"q\\"\\nnext"} 1.5
        # HELP b_total B things.\\nSecond line
        # TYPE b_total counter
        b_total{x="1"} NaN
        b_total{x="2"} 5
        # HELP zzz zzz (no description registered)
        # TYPE zzz untyped
        zzz 1

        """
        #expect(text == expected)
        #expect(PrometheusText.render(samples, catalog: catalog, includeTimestamps: true).contains("zzz 1 1000\n"))
    }

    @Test func repeatedFamilyIsWrittenOnce() {
        let d = MetricDescriptor("x", .gauge, "x")
        let family = MetricFamily(descriptor: d, samples: [Sample("x", 1, timestampMs: 0)])
        let text = PrometheusText.render([family, family])
        #expect(text.components(separatedBy: "# TYPE x gauge").count == 2)
    }

    @Test func emptyFamiliesCanBeListed() {
        let catalog = MetricCatalog([MetricDescriptor("only_help", .gauge, "h")])
        #expect(PrometheusText.render(catalog.families(for: [], includeEmpty: true)) == "# HELP only_help h\n# TYPE only_help gauge\n")
    }
}
