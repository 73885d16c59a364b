import Foundation
import Testing
import TextTestSupport

@testable import HTMLText

/// The `¶` permalinks documentation generators add to every heading are not text.
@Suite struct PermalinkTests {
    /// As Sphinx 5 writes them (copied from Debian's linux-doc-6.1), and the other generators' forms.
    @Test func headingPermalinksAreDropped() {
        let sphinx = """
            <section id="tree-rcu-grace-period-memory-ordering-building-blocks">
            <h2>Tree RCU Grace Period Memory Ordering Building Blocks<a class="headerlink" \
            href="#tree-rcu-grace-period-memory-ordering-building-blocks" title="Permalink to this heading">¶</a></h2>
            <p>The workhorse for RCU’s grace-period memory ordering is the critical section.</p></section>
            """
        #expect(
            extract(sphinx).text
                == "Tree RCU Grace Period Memory Ordering Building Blocks\n\nThe workhorse for RCU’s grace-period memory ordering is the critical section."
        )
        let others = """
            <h2 id="a">Install<a class="header-anchor" href="#a">#</a></h2>
            <h2 id="b">Use<a href="#b" class="hash-link" aria-label="Direct link">\u{200B}</a></h2>
            <h2 id="c">Extend<a class="anchorjs-link" href="#c">§</a></h2>
            <p>See <a class="reference" href="#a">Install</a> and <a class="headerlinks" href="#b">¶ kept</a>.</p>
            """
        #expect(extract(others).text == "Install\n\nUse\n\nExtend\n\nSee Install and ¶ kept.")
    }

    /// Python-Markdown's `toc` extension with `permalink` (what MkDocs renders with) writes the anchors.
    @Test(.tags(.python), .needsExternalTools) func pythonMarkdownPermalinksAreDropped() throws {
        let script = """
            import sys, markdown
            sys.stdout.write(markdown.markdown(sys.stdin.read(), extensions=['toc'], extension_configs={'toc': {'permalink': True}}))
            """
        let html = try PythonChecker.output(script, input: Data("# Saving files\n\nText about saving.\n\n## Formats\n\nPNG.\n".utf8))
        let page = String(decoding: html, as: UTF8.self)
        #expect(page.contains("class=\"headerlink\""), "the generator wrote permalinks: \(page)")
        #expect(extract(page).text == "Saving files\n\nText about saving.\n\nFormats\n\nPNG.")
    }
}
