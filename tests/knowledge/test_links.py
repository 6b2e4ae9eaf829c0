import pytest

from knowledge.links import links_in, normalise_link


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://help.example.com/a/1/", "help.example.com/a/1"),
        ("http://Help.Example.com/a/1?utm=x#top", "help.example.com/a/1"),
        (
            "https://web.archive.org/web/20200401202825/https://hulu.tv/PlaybackHelp-",
            "hulu.tv/playbackhelp-",
        ),
        ("www.example.com:443/guide.", "www.example.com/guide"),
    ],
)
def test_links_are_compared_by_the_page_they_name(url, page):
    assert normalise_link(url) == page


def test_it_finds_every_link_in_a_text():
    text = (
        "See https://a.example.com/x, then www.b.example.com/y?z=1 (or https://a.example.com/x/)."
    )
    assert links_in(text) == {"a.example.com/x", "www.b.example.com/y"}
    assert links_in("no links here") == frozenset()
