# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""report_cell: a value in one cell of a Markdown table or a CSV file stays in that cell and reads as text."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.astro.platform.plugins.filter.report_cell import report_cell


@pytest.mark.parametrize(("value", "escaped"), [
    ("ci-deployer", "ci-deployer"),
    ("ORGANIZATION_OWNER", "ORGANIZATION_OWNER"),
    ("a|b", "a\\|b"),
    ("trailing\\", "trailing\\\\"),
    ("\\|", "\\\\\\|"),
    ("<!-- hidden", "&lt;!-- hidden"),
    ("<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;"),
    ("two\nlines", "two\\u000alines"),
    ("cr\r\nlf", "cr\\u000d\\u000alf"),
    ("tab\there", "tab\\u0009here"),
    ("right-to-left \u202eevil", "right-to-left \\u202eevil"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("line\u2028separator", "line\\u2028separator"),
    ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
    ("**bold** ~~gone~~ `code`", "\\*\\*bold\\*\\* \\~\\~gone\\~\\~ \\`code\\`"),
    ("_emphasis_ and snake_case", "\\_emphasis\\_ and snake_case"),
    (None, ""),
    (42, "42"),
])
def test_markdown_cell(value, escaped):
    assert report_cell(value, "markdown") == escaped


@pytest.mark.parametrize("value", ["a|b", "x\\", "\\|\\|", "|", "a\n| b | c |", "<!--|-->"])
def test_markdown_cell_never_adds_a_column_or_a_line(value):
    row = "| " + " | ".join([report_cell(value, "markdown"), "next"]) + " |"
    assert "\n" not in row and "\r" not in row
    # Table cell borders: pipes not escaped by an odd number of backslashes.
    assert len(re.findall(r"(?<!\\)(?:\\\\)*\|", row)) == 3, row


@pytest.mark.parametrize(("value", "cell"), [
    ("ci-deployer", '"ci-deployer"'),
    ('say "hi"', '"say ""hi"""'),
    ("=HYPERLINK(\"https://evil.example\")", '"\'=HYPERLINK(""https://evil.example"")"'),
    ("+1", '"\'+1"'),
    ("-1+2", '"\'-1+2"'),
    ("@SUM(A1)", '"\'@SUM(A1)"'),
    ("\t=1", '"\'\t=1"'),
    ("\r=1", '"\'\r=1"'),
    ("\uff1d1+1", '"\'\uff1d1+1"'),
    ("a=b", '"a=b"'),
    ("two\nlines", '"two\nlines"'),
    (None, '""'),
])
def test_csv_cell(value, cell):
    assert report_cell(value, "csv") == cell


@pytest.mark.parametrize("value", ["a,b", 'q"q', "two\nlines", "cr\r\nlf", '",=1,"'])
def test_csv_cell_reads_back_as_one_cell(value):
    line = ",".join([report_cell(value, "csv"), report_cell("next", "csv")]) + "\r\n"
    assert list(csv.reader(io.StringIO(line, newline=""))) == [[value, "next"]]


def test_unknown_format_is_named():
    with pytest.raises(AnsibleFilterError, match=r"format must be one of csv, markdown, not 'html'"):
        report_cell("x", "html")
