"""CSV exports that open cleanly in a spreadsheet and cannot run anything there.

Shared by every app's exports (the dashboard, survey results); it imports no other app.
"""

import csv
from collections.abc import Iterable, Iterator

# A cell starting with one of these is a formula to a spreadsheet ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """csv.writer writes to it and gets the line back, so rows can be streamed."""

    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list[str]]) -> Iterator[str]:
    # A byte-order mark first: spreadsheets then read the file as UTF-8 (names with accents).
    yield "\ufeff"
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
