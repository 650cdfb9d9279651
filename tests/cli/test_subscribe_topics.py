"""`fivewatch subscribe --topic` (composed with --query as the web form does), its pitfall
warnings on stderr, and `fivewatch topics`."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from fivewatch.cli import cli
from models import Subscription
from models.taxonomy import load_topics
from models.thesaurus import load_thesaurus


def subscribe(db_url: str, *options: str) -> Result:
    args = ["subscribe", "reader@example.org", *options, "--database-url", db_url]
    return CliRunner().invoke(cli, args)


def stored_queries(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.scalars(select(Subscription.query).order_by(Subscription.id)))


def test_topics_with_and_without_a_query(db_url: str, engine: Engine) -> None:
    both = subscribe(db_url, "--topic", "csam", "--topic", "age-assurance", "-q", "online")
    alone = subscribe(db_url, "--topic", "any")
    assert both.exit_code == alone.exit_code == 0, both.output + alone.output
    assert stored_queries(engine) == ["topic:csam|age-assurance AND (online)", "topic:any"]


def test_an_unknown_topic_is_refused_with_the_topics(db_url: str, engine: Engine) -> None:
    result = subscribe(db_url, "--topic", "cyber")
    assert result.exit_code != 0
    assert "unknown topic 'cyber': expected one of online-harms, csam," in result.stderr
    assert stored_queries(engine) == []


def test_neither_query_nor_topic_is_a_usage_error(db_url: str, engine: Engine) -> None:
    result = subscribe(db_url)
    assert result.exit_code == 2
    assert "give --query, --topic or both" in result.stderr


def test_a_pitfall_is_warned_on_stderr_and_subscribed_as_written(
    db_url: str, engine: Engine
) -> None:
    result = subscribe(db_url, "-q", "grooming or sextortion")
    assert result.exit_code == 0
    assert "warning: 'or' is searched as a word" in result.stderr
    assert "did you mean: grooming OR sextortion" in result.stderr
    assert "warning" not in result.stdout
    assert stored_queries(engine) == ["grooming or sextortion"]


def test_topics_lists_slugs_labels_and_term_counts_per_language() -> None:
    result = CliRunner().invoke(cli, ["topics", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    thesaurus = load_thesaurus()
    expected = [
        {
            "slug": topic.slug,
            "label": topic.label,
            "label_fr": topic.label_fr,
            "terms_en": str(sum(e.lang == "en" for e in thesaurus.terms_of(topic.slug))),
            "terms_fr": str(sum(e.lang == "fr" for e in thesaurus.terms_of(topic.slug))),
        }
        for topic in load_topics()
    ]
    assert rows == expected
    assert rows[1]["label"] == "Child sexual abuse material"
