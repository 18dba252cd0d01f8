"""Schemathesis against the live API, from the API's own schema: generated requests for every
operation (valid and invalid input), each response checked against the schema. Zero server
errors and zero schema violations, or this fails with schemathesis' report."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ..factories import CheckInFactory, CommitmentFactory
from ..surveys.factories import add_responses, make_round, trust_pulse
from .conftest import token_for

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
MAX_EXAMPLES = 10
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_live_api_keeps_to_its_schema(live_server, settings, tmp_path, team, member, manager):
    settings.API_RATE_LIMIT = "100000/minute"
    settings.SITE_URL = live_server.url
    CommitmentFactory(owner=manager, team=team)
    CheckInFactory(member=member, team=team, week=team.current_week().previous().start)
    round_ = make_round(team, template=trust_pulse(), closed=True)
    add_responses(round_, team.anonymity_minimum)
    token = token_for(manager)
    report = tmp_path / "schemathesis.json"
    result = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            "17",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--report",
            "json",
            "--report-json-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        # Its cache of earlier crashes stays out of the work tree: each run starts afresh.
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"},
    )
    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    summary = json.loads(report.read_text())
    operations, cases = summary["operations"], summary["test_cases"]
    # Every operation of the schema was tested, every phase ran, and nothing failed.
    assert operations["tested"] == operations["total"] >= 14
    assert {phase["status"] for phase in summary["phases"].values()} == {"success"}
    assert cases["with_failures"] == cases["errored"] == 0 and not summary["failures"] and not summary["errors"]
    assert cases["generated"] >= 100
    print(
        f"schemathesis: {operations['tested']} operations, {cases['generated']} test cases, "
        f"{cases['with_failures']} failures"
    )
