"""Markdown-ish OCR input, end to end through the real ``pipeline.clean``.

OCR-to-text tools (marker, nougat, docling, olmOCR, Mistral OCR, pdftotext or Tesseract
with Markdown post-processing) write their structure as Markdown: headings, lists, block
quotes, tables, code, formulae, footnotes, images, HTML bits and page markers of their own.
Each case below is book-like prose around one such construct (a few mix them all). For every
case: the structure survives (whole lines kept, code and formulae byte for byte, URLs and
paths untouched), the prose around it is still unwrapped and dehyphenated, what goes out of
the body is in the blocks and the log (nothing lost), the log replays to the clean text,
and cleaning the clean text again changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from pipeline import clean, replay
from pipeline.edits import REMOVED_KINDS


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    #: whole lines the clean text must have
    lines: tuple[str, ...] = ()
    #: stretches that must come through byte for byte
    verbatim: tuple[str, ...] = ()
    #: stretches showing the prose around was unwrapped and dehyphenated
    prose: tuple[str, ...] = ()
    #: what must be gone from the clean text (page markers, footnotes ...)
    absent: tuple[str, ...] = ()
    #: (kind, start of its text) of blocks the JSON must have
    blocks: tuple[tuple[str, str], ...] = field(default=())


MARKER = "-" * 48
FENCED = '''```python
# count the ships seen from the tower
def ships_seen(log):
    return sum(1 for entry in log if entry.kind == "ship")

total = ships_seen(log) * 2  # both watches
```'''
TILDES = '''~~~
$ grep -c "wreck" keeper_log_1850.txt
12
~~~'''
INDENTED = """    for year in range(1838, 1844):
        print(year, tons_of_stone[year])"""
DISPLAY = r"""$$
r = \sqrt{2 h R} \approx 1.17 \sqrt{h_{ft}}
$$"""
BRACKETS = r"""\[
d = 1.17\,\sqrt{h}
\]"""

CASES = [
    Case(
        "atx_headings_wrapped",
        """# The Keepers of the Northern Lights

## Chapter One: The Tower on the Reef

The tower was begun in the summer of 1838, when the engineers first
landed their stores on the reef at low water. For two seasons the work-
men lived in a wooden barrack raised on iron legs above the rock, and
more than once the sea carried away the stores they had left below it.

### How the first keepers were chosen

The first keepers came from the mainland parishes, men who had served
at sea and knew the coast. Their duties were set down in a printed book
of instructions, which laid particu-

12

lar stress on the cleaning of the lamp and the trimming of the wicks.
""",
        lines=("# The Keepers of the Northern Lights", "## Chapter One: The Tower on the Reef",
               "### How the first keepers were chosen"),
        prose=("For two seasons the workmen lived", "laid particular stress on the cleaning"),
        absent=("\n12\n",),
        blocks=(("heading", "# The Keepers"), ("heading", "### How the first"), ("page_number", "12")),
    ),
    Case(
        "atx_headings_one_paragraph_a_line",
        "# The Keepers of the Northern Lights\n\n"
        "The tower was begun in the summer of 1838, when the engineers first landed their stores on the reef at low "
        "water. For two seasons the workmen lived in a wooden barrack raised on iron legs above the rock, and more than "
        "once the sea carried away the stores they had left below it, so that the first summer went in cutting the\n\n"
        "foundation pit, an hour or two at each low tide. The men were paid by the day.\n\n"
        "## The First Keepers\n\n"
        "The first keepers came from the mainland parishes, and their duties laid particular stress on the un-\n\n"
        "failing cleaning of the lamp.\n",
        lines=("# The Keepers of the Northern Lights", "## The First Keepers"),
        prose=("went in cutting the foundation pit", "stress on the unfailing cleaning"),
    ),
    Case(
        "setext_headings",
        """The Keepers of the Northern Lights
==================================

The Tower on the Reef
---------------------

The tower was begun in the summer of 1838, when the engineers first
landed their stores on the reef at low water. For two seasons the work-
men lived in a wooden barrack raised on iron legs above the rock.
""",
        lines=("The Keepers of the Northern Lights", "==================================", "The Tower on the Reef",
               "---------------------"),
        prose=("For two seasons the workmen lived in a wooden barrack",),
        blocks=(("heading", "The Keepers of the Northern Lights\n==="), ("heading", "The Tower on the Reef\n---")),
    ),
    Case(
        "emphasis_spans",
        """The keeper's journal for that winter is a **remarkable** document. It
records the *Hesperus* driven ashore in the great gale, the loss of the
__relief boat__ and the _two men_ in her, a long entry on the *illu-
sions* of the assistant, and on the last page, *I have done what I could
for the light*, signed in **capital let-
ters**.
""",
        prose=("a remarkable document", "the Hesperus driven ashore", "the relief boat and the two men",
               "on the illusions of the assistant", "I have done what I could for the light,", "in capital letters."),
        absent=("*", "__"),
    ),
    Case(
        "bulleted_lists",
        """The principal keeper checked the stores against the board's list,
which named the following:

- oil for the lamp, in casks of forty gallons;
- wicks, glasses and the brushes for the reflectors;
- salt beef, biscuit and oatmeal for six months.

+ Coal for the stove was sent separately.
+ Water was collected from the roof.

After the stores were landed the relief boat returned to the shore sta-
tion, and the keepers were alone again until the autumn.
""",
        lines=("- oil for the lamp, in casks of forty gallons;", "- wicks, glasses and the brushes for the reflectors;",
               "- salt beef, biscuit and oatmeal for six months.", "+ Coal for the stove was sent separately.",
               "+ Water was collected from the roof."),
        prose=("returned to the shore station, and the keepers",),
    ),
    Case(
        "numbered_and_nested_lists",
        """The inspector's report followed a fixed order:

1. the state of the lamp;
2. the state of the tower;
3. the conduct of the keepers.

The inventory lists the stores under two heads:

1) Stores for the light
   - oil, in casks
   - wicks and glasses
2) Stores for the men
   - beef and biscuit

Neither list was changed in the forty years of the station's his-
tory.
""",
        lines=("1. the state of the lamp;", "2. the state of the tower;", "3. the conduct of the keepers.",
               "1) Stores for the light", "   - oil, in casks", "   - wicks and glasses", "2) Stores for the men",
               "   - beef and biscuit"),
        prose=("in the forty years of the station's history.",),
    ),
    Case(
        "list_items_wrapped_and_loose",
        """The board's rules for the relief were strict:

- the relief boat was to leave the shore station at first light and
  to return before dark, whatever the state of the tide;
- no keeper was to leave the rock until his relief had landed.

The stores were these:

- oil for the lamp;

- wicks and glasses;

- salt beef.
""",
        lines=("- the relief boat was to leave the shore station at first light and to return before dark, whatever "
               "the state of the tide;", "- no keeper was to leave the rock until his relief had landed.",
               "- oil for the lamp;", "- wicks and glasses;", "- salt beef."),
    ),
    Case(
        "list_across_a_page_end",
        "The principal keeper kept three books:\n\n1. the log of ships;\n2. the journal of the weather;\n"
        "\f3. the register of stores.\n\nHe also kept a private diary, which his widow gave to the board.\n",
        lines=("1. the log of ships;", "2. the journal of the weather;", "3. the register of stores."),
        prose=("2. the journal of the weather;\n3. the register of stores.",),
    ),
    Case(
        "block_quotes",
        """The report of the commissioners was blunt about the state of the
station, and said so at once:

> The tower is sound, but the dwelling is damp and the stores are kept
> in a cellar that floods at every spring tide.
>
> > We have had no relief since the first of December.

The board accepted the recommendation, but the new store was not
built until 1861.
""",
        lines=("> The tower is sound, but the dwelling is damp and the stores are kept",
               "> in a cellar that floods at every spring tide.", ">",
               "> > We have had no relief since the first of December."),
        prose=("was blunt about the state of the station, and said so at once:", "was not built until 1861."),
    ),
    Case(
        "pipe_table",
        """The returns for the three stations in 1850 show how unequal the work
of the keepers was from one rock to the next:

| Station | Ships seen | Wrecks |
|---|---:|---:|
| Skerryvore | 1,204 | 3 |
| Muckle Flugga | 311 | 0 |

The figures for Muckle Flugga are low because the station was not
lit until the autumn of that year.
""",
        lines=("| Station | Ships seen | Wrecks |", "|---|---:|---:|", "| Skerryvore | 1,204 | 3 |",
               "| Muckle Flugga | 311 | 0 |"),
        prose=("was not lit until the autumn",),
        blocks=(("table", "| Station |"),),
    ),
    Case(
        "fenced_and_indented_code",
        f"""The log books were later transcribed, and a short program counted
the entries of each kind. It read as fol-
lows:

{FENCED}

The same count can be had from the command line:

{TILDES}

and the engineer's tables were checked with this loop:

{INDENTED}

Neither says anything about the ships that passed unseen in fog.
""",
        verbatim=(FENCED, TILDES, INDENTED),
        prose=("It read as follows:", "the ships that passed unseen in fog"),
    ),
    Case(
        "code_that_reads_like_prose",
        """The printed notice in every lantern read, in the original spelling:

```
The keeper shall light the lamp
at sunset and keep it burning
until sun-
rise.
```

It was printed in red and framed.
""",
        verbatim=("```\nThe keeper shall light the lamp\nat sunset and keep it burning\nuntil sun-\nrise.\n```",),
    ),
    Case(
        "thematic_breaks",
        """The first part of the journal ends with the death of the assistant
keeper in the winter of 1851, when the relief could not land for a month

---

and the second begins a year later, in another hand.

* * *

The third part is a list of ships, and the last part was torn out.
""",
        lines=("---", "* * *"),
        prose=("the death of the assistant keeper in the winter of 1851",),
    ),
    Case(
        "images_and_links",
        """The tower as it stood in 1844 is shown in the engraving below.

![Fig. 1. The tower at Skerryvore, from the south-west](images/fig1_tower.png)

The board's own account, [the Report of 1848](https://example.org/board/report_of_1848.pdf),
gives the cost of the tower as £86,977, and the notes held in the
[National Library](https://example.org/nls?id=MS_2871&page=4) give the number
of stones; see also <https://example.org/keepers_list> and the file
`data/stones_by_course.csv`.
""",
        lines=("![Fig. 1. The tower at Skerryvore, from the south-west](images/fig1_tower.png)",),
        verbatim=("(https://example.org/board/report_of_1848.pdf)", "(https://example.org/nls?id=MS_2871&page=4)",
                  "<https://example.org/keepers_list>", "`data/stones_by_course.csv`"),
        prose=("gives the cost of the tower as £86,977, and the notes",),
    ),
    Case(
        "image_inside_a_sentence",
        "The keepers were relieved every six weeks in summer, but in winter the relief boat might be kept ashore for a "
        "month or more by the weather, and\n\n![The relief boat at the landing stage](images/fig3.png)\n\n"
        "the men on the rock then lived on what was left of the stores.\n",
        lines=("![The relief boat at the landing stage](images/fig3.png)",),
    ),
    Case(
        "footnotes_at_the_end",
        """The keepers were paid quarterly, in coin, by the board's agent at
Tobermory.[^1] The pay of a principal keeper was raised twice in the
century,[^2] each time after a petition signed by every keeper.

[^1]: The agent's accounts survive only from 1849.
[^2]: In 1853 and again in 1872.
""",
        prose=("at Tobermory. The pay", "in the century, each time"),
        absent=("[^1]", "[^2]"),
        blocks=(("footnote", "[^1]: The agent's"), ("footnote", "[^2]: In 1853"), ("footnote_marker", "[^1]")),
    ),
    Case(
        "footnotes_inside_a_sentence",
        "The keepers were paid quarterly by the board's agent at Tobermory.[^1] Each time the board grumbled that the\n\n"
        "[^1]: The agent's accounts survive only from 1849.\n\n"
        "keepers were already better paid than the crews of the revenue cutters, which was true.\n",
        prose=("grumbled that the keepers were already",),
        absent=("[^1]",),
    ),
    Case(
        "html_bits",
        """The light was first shown on 1 February 1844.<sup>1</sup> Its range was
eighteen miles in clear weather,<br>and the keepers called the tower
<span class="smallcaps">the Rock</span>, and their wives called it worse.

<!-- image -->

<sup>1</sup> From the board's minute book.
""",
        lines=("<!-- image -->",),
        verbatim=('<span class="smallcaps">the Rock</span>', "<br>"),
        prose=("in clear weather,<br>and the keepers called the tower <span",),
        absent=("<sup>",),
        blocks=(("footnote", "<sup>1</sup> From"),),
    ),
    Case(
        "html_table",
        """The returns were printed as a table in the board's report:

<table>
<tr><th>Station</th><th>Wrecks</th></tr>
<tr><td>Skerryvore</td><td>3</td></tr>
</table>

The report does not say how many lives were lost.
""",
        lines=("<table>", "<tr><th>Station</th><th>Wrecks</th></tr>", "<tr><td>Skerryvore</td><td>3</td></tr>", "</table>"),
    ),
    Case(
        "display_and_inline_formulae",
        f"""The range of a light of height $h$ above the sea is given, for an ob-
server at sea level, by the familiar rule

{DISPLAY}

or, as the engineers wrote it,

{BRACKETS}

where $R$ is the radius of the earth, $a_i$ the height of the $i$-th light
and $b_i$ its range, so that $\\sum_i a_i b_i$ is taken over all *n* lights.
""",
        verbatim=(BRACKETS, "$h$", "$R$", "$a_i$", "$i$-th", "$b_i$", "$\\sum_i a_i b_i$"),
        prose=("for an observer at sea level", "over all n lights"),
    ),
    Case(
        "marker_page_markers",
        f"""The keepers were relieved every six weeks in summer, but in winter the
relief boat might be kept ashore for a month or more by the weather, and

{{12}}{MARKER}

## The Relief

the men on the rock then lived on what was left of the stores.

{{13}}{MARKER}

### The Second Season

In the second season the barrack was rebuilt.
""",
        lines=("### The Second Season",),
        prose=("by the weather, and the men on the rock",),
        absent=("{12}", "{13}", "## The Relief", "-----"),
        blocks=(("page_number", "{12}"), ("header", "## The Relief"), ("heading", "### The Second Season")),
    ),
    Case(
        "comment_page_markers",
        """The keepers were relieved every six weeks in summer, but in winter the
relief boat might be kept ashore for a month or more by the weather, and

<!-- PageNumber="12" -->
<!-- PageBreak -->
<!-- PageHeader="THE KEEPERS" -->

the men on the rock then lived on what was left of the stores, and

<!-- page 13 -->

they counted them every evening.
""",
        prose=("by the weather, and the men on the rock", "of the stores, and they counted"),
        absent=("PageNumber", "PageBreak", "PageHeader", "page 13"),
    ),
    Case(
        "marker_anchors_and_images",
        '## <span id="page-3-0"></span>The Barrack\n\nThe barrack stood on iron legs.\n\n![](_page_3_Picture_1.jpeg)\n\n'
        '<span id="page-3-1"></span>It was carried away in the first winter, with all the stores in it.\n',
        lines=('## <span id="page-3-0"></span>The Barrack', "The barrack stood on iron legs.", "![](_page_3_Picture_1.jpeg)"),
        blocks=(("heading", "## <span"),),
    ),
    Case(
        "nougat_missing_page",
        "The tower was begun in the summer of 1838, when the engineers first landed their stores on the reef at low "
        "water, and the\n\n[MISSING_PAGE_FAIL:3]\n\nfoundation pit was cut into the rock in the second season.\n",
        lines=("[MISSING_PAGE_FAIL:3]",),
        absent=("and the foundation",),
    ),
    Case(
        "mistral_formula_notes",
        "The light was first shown in 1844. ${ }^{1}$ Its range was eighteen miles, some 1,000 km$^{2}$ of sea. ${ }^{2}$\n\n"
        "${ }^{1}$ From the board's minute book.\n${ }^{2}$ In clear weather.\n",
        verbatim=("km$^{2}$",),
        prose=("shown in 1844. Its range",),
        absent=("${ }^{1}$", "${ }^{2}$"),
        blocks=(("footnote", "${ }^{1}$ From"), ("footnote_marker", "${ }^{1}$")),
    ),
    Case(
        "page_lines_and_a_heading_after_a_form_feed",
        """The keepers were relieved every six weeks in summer, but in winter the
relief boat might be kept ashore for a month or more by the weather, and

Page 12

the men on the rock then lived on what was left of the stores.
\f## The Second Tower

The second tower was built on the Dhu Heartach rock, fifteen miles
to the south, between 1867 and 1872.
""",
        lines=("## The Second Tower",),
        prose=("by the weather, and the men on the rock",),
        absent=("Page 12",),
    ),
    Case(
        "escaped_characters",
        r"""The keeper marked each ship with an asterisk (\*) and each wreck with
two (\*\*); the file was saved as keeper\_log\_1850 by the archivist,
who numbered the entries \#1 to \#412, and a \[sic\] marks *Hesprus*.
""",
        verbatim=(r"(\*)", r"(\*\*)", r"keeper\_log\_1850", r"\#1", r"\#412", r"\[sic\]"),
        prose=("with an asterisk (\\*) and each wreck with two",),
    ),
    Case(
        "everything_in_printed_lines",
        f"""# The Keepers of the Northern Lights

## Chapter One

The tower was begun in the summer of 1838, when the engineers first
landed their stores on the reef at low water. For two seasons the work-
men lived in a **wooden barrack** raised on iron legs above the rock,[^1]
and more than once the sea carried away the stores they had left be-

7

low it. The stores landed each spring were these:

- oil for the lamp, in casks of forty gallons;
- wicks, glasses and the brushes for the re-
  flectors;
- salt beef, biscuit and oatmeal.

> The tower is sound, but the dwelling is damp and the stores are kept
> in a cellar that floods at every spring tide.

| Year | Ships | Wrecks |
|------|------:|-------:|
| 1850 | 1,204 | 3 |
| 1851 | 1,311 | 1 |
\f
The range of the light is $r = 1.17\\sqrt{{h}}$ miles, or in full

$$
r = 1.17 \\sqrt{{h}} + 1.17 \\sqrt{{e}}
$$

and the counts were later checked with a script:

```
log = read("keeper_1850.txt")
print(len(log))
```

![Fig. 2. The lantern](images/fig2_lantern.png)

See the [board's report](https://example.org/board/report_1848.pdf) for the
figures, and *The Northern Lights* by the same au-
thor for the rest of the story.

* * *

[^1]: The barrack stood until 1844.
""",
        lines=("# The Keepers of the Northern Lights", "## Chapter One", "- oil for the lamp, in casks of forty gallons;",
               "- wicks, glasses and the brushes for the reflectors;", "- salt beef, biscuit and oatmeal.",
               "> The tower is sound, but the dwelling is damp and the stores are kept",
               "> in a cellar that floods at every spring tide.", "| Year | Ships | Wrecks |", "|------|------:|-------:|",
               "| 1850 | 1,204 | 3 |", "| 1851 | 1,311 | 1 |", "![Fig. 2. The lantern](images/fig2_lantern.png)", "* * *"),
        verbatim=("$$\nr = 1.17 \\sqrt{h} + 1.17 \\sqrt{e}\n$$", '```\nlog = read("keeper_1850.txt")\nprint(len(log))\n```',
                  "$r = 1.17\\sqrt{h}$", "(https://example.org/board/report_1848.pdf)"),
        prose=("For two seasons the workmen lived in a wooden barrack", "had left below it. The stores",
               "The Northern Lights by the same author for the rest"),
        absent=("[^1]", "\n7\n"),
        blocks=(("table", "| Year |"), ("footnote", "[^1]: The barrack")),
    ),
    Case(
        "everything_one_paragraph_a_line",
        "# The Keepers of the Northern Lights\n\n"
        "The tower was begun in the summer of 1838, when the engineers first landed their stores on the reef at low "
        "water. For two seasons the workmen lived in a **wooden barrack** raised on iron legs above the rock,[^1] and "
        "more than once the sea carried away the stores they had left be-\n\n"
        f"{{8}}{MARKER}\n\n"
        "low it. The stores landed each spring were these:\n\n"
        "1. oil for the lamp, in casks of forty gallons;\n"
        "2. wicks, glasses and the brushes for the reflectors;\n\n"
        f"{{9}}{MARKER}\n\n"
        "3. salt beef, biscuit and oatmeal.\n\n"
        "## Stores\n\n"
        "The board's response was to double the stores. The formula $d = 1.17\\sqrt{h}$ gives the range.\n\n"
        "[^1]: The barrack stood until 1844.\n",
        lines=("# The Keepers of the Northern Lights", "1. oil for the lamp, in casks of forty gallons;",
               "2. wicks, glasses and the brushes for the reflectors;", "3. salt beef, biscuit and oatmeal.", "## Stores"),
        verbatim=("$d = 1.17\\sqrt{h}$",),
        prose=("stores they had left below it. The stores",),
        absent=("{8}", "{9}", "[^1]"),
    ),
]
IDS = [c.name for c in CASES]

#: what a deletion may take out of the body besides what goes to a block of its own: a
#: line-end hyphen, Markdown emphasis markup, whitespace
_MARKUP_ONLY = re.compile(r"[\s*_\-\N{NOT SIGN}\N{HYPHEN}]*")


def _results(case: Case, **config):
    return clean(case.text, **config)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_structure_survives_and_prose_is_restored(case: Case) -> None:
    r = _results(case)
    out_lines = r.text.split("\n")
    for line in case.lines:
        assert line in out_lines, f"line lost: {line!r}\n{r.text}"
    for piece in case.verbatim:
        assert piece in r.text, f"not byte for byte: {piece!r}\n{r.text}"
    for piece in case.prose:
        assert piece in r.text, f"prose not restored: {piece!r}\n{r.text}"
    for piece in case.absent:
        assert piece not in r.text, f"still in the text: {piece!r}\n{r.text}"
    kinds = [(b["kind"], b["text"]) for b in r.blocks]
    for kind, start in case.blocks:
        assert any(k == kind and t.startswith(start) for k, t in kinds), f"no {kind} block {start!r}: {kinds}"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_log_replays_and_a_second_clean_changes_nothing(case: Case) -> None:
    r = _results(case)
    assert replay(r.raw, r.changes_jsonl()) == r.text
    again = clean(r.text)
    assert again.text == r.text
    assert again.changes == [], [(c["rule"], c["before"], c["after"]) for c in again.changes]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_nothing_is_lost(case: Case) -> None:
    """Every stretch of text a change deletes is a hyphen, emphasis markup or whitespace, or
    it is in a block of its own (a page marker, a footnote, a running head ...)."""
    r = _results(case)
    removed = " ".join(b["text"] for b in r.blocks if b["kind"] in REMOVED_KINDS)
    for c in r.changes:
        if c["stage"] == "spelling" or c["after"]:
            continue
        gone = c["before"]
        if _MARKUP_ONLY.fullmatch(gone):
            continue
        assert gone.strip() in removed, (c["rule"], gone)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_kept_blocks_stay_in_place_and_stable(case: Case) -> None:
    """With markers, footnotes and furniture kept, each stays a line of its own, the log
    still replays and a second clean changes nothing."""
    keep = ("footnote", "footnote_marker", "page_number", "header", "footer", "emphasis")
    r = _results(case, keep=keep)
    assert replay(r.raw, r.changes_jsonl()) == r.text
    assert clean(r.text, keep=keep).text == r.text
    for line in case.lines:
        assert line in r.text.split("\n") or "*" in case.text, line


def test_footnote_definitions_kept_are_lines_of_their_own() -> None:
    case = next(c for c in CASES if c.name == "footnotes_at_the_end")
    r = clean(case.text, keep=("footnote", "footnote_marker"))
    lines = r.text.split("\n")
    assert "[^1]: The agent's accounts survive only from 1849." in lines
    assert "[^2]: In 1853 and again in 1872." in lines
    assert "Tobermory.[^1] The pay" in r.text


def test_code_lines_are_never_taken_for_headings_or_page_numbers() -> None:
    text = "The counts were made with a short script:\n\n```\n# Stations\n12\ntotal = 3\n```\n\nIt was lost.\n"
    r = clean(text)
    assert "```\n# Stations\n12\ntotal = 3\n```" in r.text
    assert not [b for b in r.blocks if b["kind"] in ("heading", "page_number", "header")]


# -- the spelling stage keeps out of code and formulae too -----------------------------------------
SPELLING_CASES = [
    Case("backslash_commands_in_formulae", f"The rule is\n\n{DISPLAY}\n\nand \\(r \\approx 14.3\\) miles.\n",
         verbatim=(DISPLAY, "\\(r \\approx 14.3\\)")),
    Case("words_in_code", "It read:\n\n```\n# recieve teh log\nn = len(log)\n```\n\nThat was all.\n",
         verbatim=("```\n# recieve teh log\nn = len(log)\n```",)),
    Case("ligature_in_code", "It read:\n\n```\n# the oﬃce log\nn = len(log)\n```\n\nThat was all.\n",
         verbatim=("```\n# the oﬃce log\nn = len(log)\n```",)),
    Case("inline_code_urls_and_identifiers",
         "Set `tbe_value` at https://exarnple.org/tbe-page, then call `toString()`.\n",
         verbatim=("`tbe_value`", "https://exarnple.org/tbe-page", "`toString()`")),
]


@pytest.mark.parametrize("case", SPELLING_CASES, ids=[c.name for c in SPELLING_CASES])
def test_spelling_keeps_out_of_code_and_formulae(case: Case) -> None:
    r = clean(case.text)
    for piece in case.verbatim:
        assert piece in r.text, r.text


@pytest.mark.parametrize("case", SPELLING_CASES, ids=[c.name for c in SPELLING_CASES])
def test_the_stages_before_spelling_keep_code_and_formulae(case: Case) -> None:
    r = clean(case.text, ignore=("spelling",))
    for piece in case.verbatim:
        assert piece in r.text, r.text
