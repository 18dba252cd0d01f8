"""The CSV export of the per-member figures: streamed, UTF-8 with a byte-order mark, a header
row, formula-like cells neutralised, and the same figures as the dashboard."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accountability import exports
from accountability.models import CommitmentStatus, Membership, Role
from accountability.weeks import Week
from dashboard import export, metrics

from ..factories import CheckInFactory, CommitmentFactory, MembershipFactory, UserFactory

NOW = datetime(2026, 3, 11, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Zoë = lead", "Zoë = lead"),
        ("", ""),
        (None, ""),
        (75.0, "75.0"),
        (3, "3"),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def _download(client, team, **params):
    response = client.get(reverse("team_dashboard_export", args=[team.slug]), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    raw = b"".join(response.streaming_content)
    return response, raw


@pytest.fixture
def history(team, member, teammate, manager):
    Membership.objects.filter(team=team).update(joined_at=datetime(2025, 1, 6, tzinfo=UTC))
    for week in ["2026-W09", "2026-W10"]:
        CheckInFactory(member=member, team=team, week=Week.from_label(week).start, mood=4)
    due = date(2026, 3, 4)
    for resolved in [due, due, due, date(2026, 3, 6)]:
        CommitmentFactory(
            owner=member,
            team=team,
            week=Week.containing(due).start,
            due_date=due,
            status=CommitmentStatus.DONE,
            resolved_on=resolved,
        )


def test_export_is_utf8_with_a_bom_a_header_and_a_row_per_member(client, team, member, teammate, manager, history):
    client.force_login(manager)

    response, raw = _download(client, team, **{"from": "2026-W09", "to": "2026-W10"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="platform-2026-W09-2026-W10.csv"'
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, *people, team_row = rows
    assert header[:7] == [
        "Member",
        "Email",
        "First week",
        "Last week",
        "Check-ins",
        "Check-ins expected",
        "Commitments due",
    ]
    assert "Follow-through (%)" in header and "Check-in streak (weeks)" in header
    assert [row[0] for row in people] == ["Mia Member", "Theo Teammate"]
    mia = dict(zip(header, people[0], strict=True))
    assert mia["Check-ins"] == "2"
    assert mia["Check-ins expected"] == "2"
    assert mia["Commitments due"] == "4"
    assert mia["Follow-through (%)"] == "75.0"
    assert mia["Done late (%)"] == "25.0"
    assert mia["Check-in participation (%)"] == "100.0"
    assert mia["Average mood (1-5)"] == "4.0"
    theo = dict(zip(header, people[1], strict=True))
    assert theo["Follow-through (%)"] == ""  # not enough data: an empty cell, not 0
    assert theo["Check-in participation (%)"] == "0.0"
    assert team_row[0] == "Whole team"
    assert dict(zip(header, team_row, strict=True))["Check-in participation (%)"] == "50.0"


def test_export_uses_the_same_definitions_as_the_dashboard(client, team, manager, history):
    client.force_login(manager)
    params = {"from": "2026-W09", "to": "2026-W10"}

    board = client.get(reverse("team_dashboard", args=[team.slug]), params).context["dashboard"]
    _, raw = _download(client, team, **params)

    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    for figures, row in zip(board.members, rows[1:-1], strict=True):
        for key in export.CSV_METRICS:
            definition = metrics.DEFINITIONS[key]
            column = f"{definition.label} ({export.UNIT_HEADERS[definition.unit]})"
            value = figures.card.values[key]
            cell = row[header.index(column)]
            assert cell == ("" if value is None else export._csv_number(key, value))


def test_formula_like_names_and_emails_are_neutralised(client, team, manager):
    for name, email in [
        ('=HYPERLINK("http://x","click")', "eq@example.org"),
        ("+SUM(1,2)", "plus@example.org"),
        ("-cmd", "minus@example.org"),
        ("@import", "at@example.org"),
        ("Zoë Ünlü", "zoe@example.org"),
    ]:
        MembershipFactory(team=team, role=Role.MEMBER, user=UserFactory(display_name=name, email=email))
    client.force_login(manager)

    _, raw = _download(client, team)

    text = raw.decode("utf-8-sig")
    names = [row[0] for row in csv.reader(io.StringIO(text))][1:-1]
    assert '\'=HYPERLINK("http://x","click")' in names
    assert "'+SUM(1,2)" in names and "'-cmd" in names and "'@import" in names
    assert "Zoë Ünlü" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in csv.reader(io.StringIO(text)) for cell in row)


def test_a_bad_range_exports_the_default_range(client, team, manager):
    client.force_login(manager)

    response, _ = _download(client, team, weeks="5000")

    assert "2026-W04-2026-W11" in response["Content-Disposition"]
