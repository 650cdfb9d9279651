"""`fivewatch topics`: the taxonomy's topics, what `--topic` and `topic:` take."""

from __future__ import annotations

from collections import Counter

import click

from fivewatch.cli.common import emit, format_option
from models.taxonomy import load_topics
from models.thesaurus import LANGUAGES, load_thesaurus

TOPIC_COLUMNS = ("slug", "label", "label_fr", *(f"terms_{lang}" for lang in LANGUAGES))


@click.command("topics")
@format_option
def topics_command(fmt: str) -> None:
    """List the topics: slug (for --topic and topic:), labels, and terms per language."""
    thesaurus = load_thesaurus()
    rows = []
    for topic in load_topics():
        counts = Counter(entry.lang for entry in thesaurus.terms_of(topic.slug))
        terms = {f"terms_{lang}": counts[lang] for lang in LANGUAGES}
        rows.append({"slug": topic.slug, "label": topic.label, "label_fr": topic.label_fr} | terms)
    emit(rows, TOPIC_COLUMNS, fmt, title="Topics")
