// A notebook as one self-contained HTML page: inline CSS, plots inlined as
// SVG, no JavaScript and no external requests, so it can be mailed,
// attached to a ticket or opened offline. The layout is one readable
// column that narrows to a phone's width; code and output scroll sideways
// rather than wrap, since their columns carry meaning.

import Foundation
import Plotting

/// Renders notebooks as HTML pages.
public enum HTMLExport {
    static let style = """
        :root { color-scheme: light; }
        body { margin: 0 auto; max-width: 52rem; padding: 1rem; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; background: #fff; }
        h1, h2, h3 { line-height: 1.25; }
        pre { overflow-x: auto; padding: .6rem .8rem; border-radius: 6px; font: 13px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
        pre.cell { background: #f4f6f8; border-left: 3px solid #1f77b4; }
        pre.output { background: #fff; border: 1px solid #e3e3e3; }
        pre.output.error { border-color: #d62728; }
        pre.code { background: #f4f6f8; }
        code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em; }
        figure { margin: 1rem 0; }
        figure svg { width: 100%; height: auto; display: block; }
        figcaption { font-size: .85rem; color: #555; text-align: center; }
        table { border-collapse: collapse; display: block; overflow-x: auto; }
        th, td { border: 1px solid #ddd; padding: .25rem .5rem; }
        img { max-width: 100%; }
        """

    /// The page for `notebook`.
    /// - Parameters:
    ///   - title: the page title (the notebook's first heading when it has one).
    ///   - readFile: reads a plot's file given its path relative to the notebook.
    public static func render(_ notebook: Notebook, title: String, readFile: (String) throws -> [UInt8]) throws -> String {
        var body = ""
        var pageTitle = title
        for block in notebook.blocks {
            switch block {
            case .text(let text):
                if pageTitle == title, let heading = text.split(separator: "\n").first(where: { $0.hasPrefix("# ") }) {
                    pageTitle = String(heading.dropFirst(2))
                }
                body += MarkdownHTML.render(text)
            case .cell(let cell):
                body += "<pre class=\"cell\"><code class=\"language-lua\">" + Markup.escape(cell.code) + "</code></pre>\n"
                guard let output = cell.output else { continue }
                if !output.text.isEmpty {
                    let failed = output.text.contains("\nerror: ") || output.text.hasPrefix("error: ")
                    body += "<pre class=\"output\(failed ? " error" : "")\">" + Markup.escape(output.text) + "</pre>\n"
                }
                for image in output.images {
                    let data = try readFile(image.path)
                    let svg = String(decoding: data, as: UTF8.self)
                    // opslab's own plots go inline. An SVG that could run code (a notebook
                    // from elsewhere) goes in as an image, where browsers run none of it.
                    let figure = Self.mayRunCode(svg)
                        ? "<img src=\"data:image/svg+xml;base64,\(Data(data).base64EncodedString())\" alt=\"\(Markup.escape(image.alt))\">\n"
                        : svg
                    body += "<figure>\n" + figure + "<figcaption>" + Markup.escape(image.alt) + "</figcaption>\n</figure>\n"
                }
            }
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Markup.escape(pageTitle))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    /// Scripts, event handlers, foreign HTML or javascript: links: what an
    /// inline SVG could run in the page.
    static func mayRunCode(_ svg: String) -> Bool {
        let text = svg.lowercased()
        return text.contains("<script") || text.contains("javascript:") || text.contains("<foreignobject")
            || text.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) != nil
    }
}
