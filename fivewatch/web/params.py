"""Text parameters of the web app, checked at the edge by `models.inputs`: a NUL or another
control character is a 422 naming the parameter, never a database error (PostgreSQL refuses
NUL in text) or a value stored to break something later. Lengths are bounded where each
parameter is declared (`Query(max_length=...)`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from models.inputs import checked_text


def _clean(value: str) -> str:
    return checked_text(value, "the value")


CleanText = Annotated[str, AfterValidator(_clean)]
