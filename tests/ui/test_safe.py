"""User text is made inert before it is shown."""

from ui.safe import html_text, md, plain


def test_markdown_signs_are_escaped():
    assert md("![t](http://host/x.png)") == r"\!\[t\]\(http\:\/\/host\/x\.png\)".replace(r"\/", "/")
    assert md(":red[张三]") == r"\:red\[张三\]"
    assert md("张三") == "张三"


def test_html_is_escaped_for_charts():
    assert html_text('<a href="http://x">组织科</a>') == "&lt;a href=&quot;http://x&quot;&gt;组织科&lt;/a&gt;"


def test_control_and_bidi_characters_are_dropped():
    assert plain("张\u202e三\x07") == "张三"
    assert plain(None) == ""
