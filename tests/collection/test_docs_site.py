"""`make docs`: the HTML site of the installed collection builds with no Sphinx warning (an undefined label fails it)
and shows no code span cut short. About 30-60 s (Sphinx), plus its venv once (.cache/tools/docs-build-*)."""

from __future__ import annotations

import pytest

from harness import docs


@pytest.mark.slow
@pytest.mark.xdist_group("docs-build")
def test_the_docs_site_builds_without_a_warning(installed_collection, tmp_path, capfd):
    dest = tmp_path / "docs"
    returncode = docs.build(dest, collections=installed_collection)
    _, err = capfd.readouterr()
    assert returncode == 0, err[-5000:]
    html = dest / "build" / "html"
    assert (html / "collections" / "astro" / "platform" / "onboarding_module.html").is_file() or any(
        html.rglob("onboarding_module.html")), sorted(p.name for p in html.rglob("*.html"))
    assert docs.cut_html_code(html) == []


def test_the_cut_html_code_check_finds_one(tmp_path):
    (tmp_path / "page.html").write_text('<p><code class="docutils literal"><span class="pre">{{</span> '
                                        "<span class=\"pre\">lookup('pipe',</span> <span class=\"pre\">'id'</span></code>"
                                        "<code>f(x)</code></p>")
    assert docs.cut_html_code(tmp_path) == ["page.html: {{ lookup('pipe', 'id'"]
