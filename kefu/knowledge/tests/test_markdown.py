"""Article Markdown: what it renders to, and that nothing executable survives."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kefu.knowledge.markdown import ALLOWED_TAGS, render, sanitize


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


def assert_inert(html: str) -> None:
    """What a browser would build from this HTML cannot run anything."""
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", html
            if name in ("href", "src", "data-video"):
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                assert scheme in ("", "http", "https", "mailto"), (tag, name, value)


def _links(slug: str) -> str | None:
    return {"deposit-memo-tag": "/help/en/articles/deposit-memo-tag/"}.get(slug)


ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<svg onload="alert(1)"></svg>',
    "[x](https://ok.example \"a\\\" onmouseover=\\\"alert(1)\")",
    "::video[<script>alert(1)</script>](https://x.example/v.mp4\"onerror=\"alert(1))",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "`<script>`",
    "<details open ontoggle=alert(1)>",
    "[a](deposit-memo-tag\" onclick=\"alert(1))",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_script_gets_through(attack):
    html = render(f"# Title\n\nIntro\n\n{attack}\n\n- item {attack}\n\n> **Warning:** {attack}\n", resolve=_links).html
    assert_inert(html)
    assert "Intro" in html  # the rest of the article is still there


def test_sanitizer_itself_strips_what_the_renderer_never_makes():
    dirty = (
        '<p onclick="x()">hi<script>bad()</script></p><a href="javascript:x()">a</a>'
        '<span class="kb-shot evil" style="color:red">s</span><img src="https://x/y.png" onerror="z()">'
    )
    clean = sanitize(dirty)
    assert_inert(clean)
    assert "onclick" not in clean and "<script" not in clean and "javascript:" not in clean
    assert 'class="kb-shot"' in clean and "evil" not in clean and "style" not in clean
    assert "onerror" not in clean


def test_article_links_become_urls_and_unknown_or_hidden_ones_become_text():
    r = render("# T\n\nSee [memos](deposit-memo-tag) and [secret](internal-procedure) or [web](https://lumen.exchange).", resolve=_links)
    assert '<a href="/help/en/articles/deposit-memo-tag/">memos</a>' in r.html
    assert "secret" in r.html and "internal-procedure" not in r.html
    assert 'href="https://lumen.exchange"' in r.html and 'rel="noopener nofollow"' in r.html
    assert r.article_links == ["deposit-memo-tag", "internal-procedure"]


def test_steps_videos_callouts_tables_and_headings():
    body = (
        "# Title\n\nLead paragraph.\n\n::video[How it works](https://lumen.exchange/v.mp4)\n\n"
        "## Steps\n\n1. Open it.\n   ![Step 1: open Assets](/static/help/img/x-1.png)\n2. Done.\n\n"
        "> **Warning:** careful\n\n> **注意：** 小心\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n## Steps\n"
    )
    r = render(body, resolve=_links)
    assert "<h1" not in r.html  # the page prints the title
    assert r.lead == "Lead paragraph."
    assert [h["id"] for h in r.toc] == ["steps", "steps-2"]
    assert '<ol class="kb-steps">' in r.html
    # The screenshot is not shipped: a drawn placeholder carries the caption and the step number.
    assert 'role="img" aria-label="Step 1: open Assets"' in r.html and 'class="kb-shot-step"' in r.html
    assert "/static/help/img/x-1.png" not in r.html
    assert '<figure class="kb-video" data-video="https://lumen.exchange/v.mp4">' in r.html
    assert '<blockquote class="callout callout-warning">' in r.html
    assert '<blockquote class="callout callout-note">' in r.html
    assert '<div class="table-wrap"><table>' in r.html
    assert "How it works" in r.text and "careful" in r.text


def test_video_lines_need_https():
    r = render("::video[x](http://plain.example/v.mp4)\n", resolve=_links)
    assert "kb-video" not in r.html
