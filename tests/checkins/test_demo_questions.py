"""The demo shows versioned questions: its two teams ask different sets, and Platform changed
its set halfway through the history, so its early weeks read as they were asked."""

from io import StringIO

from django.core.management import call_command

from accountability.models import Team
from accountability.weeks import Week
from checkins import selectors
from checkins.models import Answer, CheckIn


def test_the_demo_teams_ask_different_questions_one_set_changed_midway(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("seed_demo", stdout=StringIO())
    platform, success = Team.objects.get(slug="platform"), Team.objects.get(slug="customer-success")
    current = platform.current_week()
    platform_now = [q.label for q in selectors.questions_for_week(team=platform, week=current)]
    success_now = [q.label for q in selectors.questions_for_week(team=success, week=current)]
    assert platform_now != success_now
    assert "How much uninterrupted focus time did you get?" in platform_now
    assert "Hours in meetings, roughly" in platform_now
    oldest = CheckIn.objects.filter(team=platform).order_by("week").first()
    early = [q.label for q in selectors.questions_for_week(team=platform, week=Week(oldest.week))]
    assert "How much focus time did you get?" in early
    assert "Hours in meetings, roughly" not in early
    # The history has answers under both wordings, and the rewording's figures stand apart.
    labels = set(Answer.objects.filter(checkin__team=platform).values_list("question__label", flat=True))
    assert {"How much focus time did you get?", "How much uninterrupted focus time did you get?"} <= labels
    series = set(Answer.objects.filter(checkin__team=platform, question__kind="scale").values_list("question__series"))
    assert len(series) == 2
    assert Answer.objects.filter(checkin__team=success).exists()
