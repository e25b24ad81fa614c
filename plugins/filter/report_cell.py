# -*- coding: utf-8 -*-
# Copyright: astro.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report_cell
short_description: Escape a value for one cell of a Markdown table or of a CSV file
version_added: 1.0.0
description:
  - Makes text from the API (token names, descriptions) safe to put in one cell of a report, so that it cannot
    add rows or columns, hide the rest of the report, or run as a spreadsheet formula.
    The playbook C(astro.platform.token_audit) writes its Markdown and CSV reports with it.
  - V(markdown) escapes C(\), C(|), C(`), C(*), C(~), C([), C(]) and a C(_) that is not inside a word with a
    backslash, writes C(<), C(>) and C(&) as HTML entities (no HTML, no C(<!--) comment, no autolink), and
    writes each control, invisible or bidirectional formatting character (newline, carriage return, tab,
    zero-width space, right-to-left override, ...) as C(\uXXXX), so a value stays on one line and reads as
    what it is.
  - V(csv) quotes the cell (doubling every C(")) and puts a C(') before a value that starts with C(=), C(+),
    C(-), C(@), a tab or a carriage return (or their full-width forms), so a spreadsheet shows it as text
    instead of running it as a formula. Newlines inside the quoted cell stay part of that cell.
author:
  - astro.platform contributors (@astro-platform)
positional: format
options:
  _input:
    description: The value; C(None) becomes an empty cell, anything else its text.
    type: raw
    required: true
  format:
    description: The kind of report the cell is for.
    type: str
    choices: [markdown, csv]
    required: true
"""

EXAMPLES = r"""
- name: One Markdown table row and one CSV line from a row of values
  ansible.builtin.debug:
    msg:
      - "| {{ row | map('astro.platform.report_cell', 'markdown') | join(' | ') }} |"
      - "{{ row | map('astro.platform.report_cell', 'csv') | join(',') }}"
  vars:
    row: ["ci|deployer", "=HYPERLINK(\"https://example.com\")", "two\nlines"]
"""

RETURN = r"""
_value:
  description:
    - The escaped text. For V(csv), the whole quoted cell, ready to be joined with commas.
  type: str
"""

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.astro.platform.plugins.module_utils.errors import printable, quoted

# Backslash-escaped in Markdown: table cell separator, escape character, code span, emphasis, strikethrough, links.
MARKDOWN_PUNCTUATION = re.compile(r"([\\|`*~\[\]])|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A spreadsheet reads a cell that starts with one of these as a formula (full-width forms included).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def markdown_cell(text):
    text = MARKDOWN_PUNCTUATION.sub(lambda match: "\\" + match.group(0), text)
    text = re.sub("[&<>]", lambda match: HTML_ENTITIES[match.group(0)], text)
    # Control, invisible and bidirectional formatting characters as \uXXXX: the collection's one escaping.
    return printable(text)


def csv_cell(text):
    if text.startswith(FORMULA_START):
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


FORMATS = {"markdown": markdown_cell, "csv": csv_cell}


def report_cell(value, format):  # pylint: disable=redefined-builtin  # the documented option name
    if format not in FORMATS:
        raise AnsibleFilterError("report_cell: format must be one of {0}, not {1}".format(", ".join(sorted(FORMATS)), quoted(format)))
    return FORMATS[format]("" if value is None else to_text(value, errors="surrogate_or_replace"))


class FilterModule(object):
    def filters(self):
        return {"report_cell": report_cell}
