"""Reads of the team's check-in questions and their answers. A fixed number of queries each,
whatever the number of questions or weeks."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, F, Q, Window
from django.db.models.functions import RowNumber

from accountability.models import Team
from accountability.selectors import is_current_member
from accountability.weeks import Week

from ..models import TEXT_KINDS, Answer, CheckIn, Question, QuestionKind, QuestionTemplate, Visibility
from ..question_sets import BUILTIN_TEMPLATES, DEFAULT_SET, EPOCH, default_key, question_fields


def default_questions(team: Team) -> list[Question]:
    """The default set as (unsaved) versions, for a team that never changed its questions:
    the same keys the first change writes them with."""
    questions = []
    for position, spec in enumerate(DEFAULT_SET):
        key = default_key(team.pk, spec["special"])
        questions.append(
            Question(team=team, key=key, series=key, position=position, valid_from=EPOCH, **question_fields(spec))
        )
    return questions


def _overlapping(start: date, end: date) -> Q:
    return Q(valid_from__lte=end) & (Q(valid_until__isnull=True) | Q(valid_until__gt=start))


def questions_for_week(*, team: Team, week: Week) -> list[Question]:
    """The questions a team asks in a week (after mood and energy), in order: one query. A
    team's first version of each question opens at EPOCH, so a team with any version has one
    for every week."""
    rows = list(Question.objects.filter(_overlapping(week.start, week.start), team=team).order_by("position", "pk"))
    return rows or default_questions(team)


def questions_for_range(*, team: Team, start: date, end: date) -> list[Question]:
    """Every version asked in some week of the range, in order of first week then position:
    one query."""
    rows = list(Question.objects.filter(_overlapping(start, end), team=team).order_by("valid_from", "position", "pk"))
    return rows or default_questions(team)


def question_set_fingerprint(questions: list[Question]) -> str:
    """What a check-in form was built from: the versions it showed, so a form loaded before a
    change of questions is recognised when it comes back."""
    return ",".join(f"{q.key}@{q.valid_from:%Y%m%d}" for q in questions)


def questions_by_key(*, team: Team, keys: list[str]) -> dict[str, Question]:
    """The latest version of each of these questions (for answers to a question no longer asked)."""
    found: dict[str, Question] = {}
    valid = []
    for key in keys:
        try:
            valid.append(uuid.UUID(key))
        except ValueError:
            continue
    for question in Question.objects.filter(team=team, key__in=valid).order_by("valid_from"):
        found[str(question.key)] = question
    return found


@dataclass
class QuestionAnswer:
    question: Question
    value: str

    @property
    def shared(self) -> bool:
        return self.question.is_shared


def with_answers(checkins: list[CheckIn], *, team: Team) -> list[CheckIn]:
    """Sets `.answered` on each check-in (see `answered`): two queries for any number of
    check-ins of one team."""
    checkins = [c for c in checkins if c is not None]
    if not checkins:
        return checkins
    weeks = [c.week for c in checkins]
    versions = questions_for_range(team=team, start=min(weeks), end=max(weeks))
    answers: dict[int, dict[int, Answer]] = defaultdict(dict)
    if any(not q.special for q in versions):
        for answer in Answer.objects.filter(checkin__in=checkins).select_related("question"):
            answers[answer.checkin_id][answer.question_id] = answer
    for checkin in checkins:
        asked = [q for q in versions if q.asked_in(checkin.week)]
        checkin.answered = answered(checkin, asked, answers.get(checkin.pk, {}))
    return checkins


def checkin_answers(*, checkin: CheckIn | None, questions: list[Question]) -> dict[int, Answer]:
    """A check-in's answers not stored on itself, by question id: one query (none without a
    check-in, or when the week asks only what the check-in stores itself)."""
    if checkin is None or checkin.pk is None or all(q.special for q in questions):
        return {}
    return {a.question_id: a for a in Answer.objects.filter(checkin=checkin).select_related("question")}


def answered(checkin: CheckIn, questions: list[Question], answers: dict[int, Answer]) -> list[QuestionAnswer]:
    """(question as asked that week, answer) for each of the week's questions, in order,
    unanswered ones left out."""
    result = []
    for question in sorted(questions, key=lambda q: (q.position, q.pk or 0)):
        if question.special:
            value = getattr(checkin, question.special)
        else:
            answer = answers.get(question.pk)
            value = answer.display if answer else ""
        if value != "":
            result.append(QuestionAnswer(question=question, value=value))
    return result


def answer_initial(questions: list[Question], answers: dict[int, Answer]) -> dict[str, object]:
    """The check-in form's initial values for the questions not stored on the check-in."""
    initial: dict[str, object] = {}
    for question in questions:
        answer = answers.get(question.pk) if question.pk else None
        if answer is None:
            continue
        if question.kind == QuestionKind.YES_NO:
            initial[question.field_name] = "yes" if answer.number else "no"
        elif question.kind == QuestionKind.SCALE:
            initial[question.field_name] = int(answer.number)
        elif question.kind == QuestionKind.NUMBER:
            initial[question.field_name] = f"{answer.number.normalize():f}"
        else:
            initial[question.field_name] = answer.text
    return initial


# --- Shared answers: the team page ---------------------------------------------------------

SHARED_ANSWERS_LIMIT = 60


def shared_answers(*, team: Team, week: Week) -> list[Answer]:
    """This week's answers to the team's shared questions, for its people (newest check-ins
    first, at most SHARED_ANSWERS_LIMIT): one query."""
    return list(
        Answer.objects.filter(
            checkin__team=team, checkin__week=week.start, question__visibility=Visibility.SHARED, question__special=""
        )
        .filter(is_current_member(team="checkin__team", person="checkin__member"))
        .exclude(text="", number__isnull=True)
        .select_related("question", "checkin__member")
        .order_by("-checkin__submitted_at", "question__position", "pk")[:SHARED_ANSWERS_LIMIT]
    )


def shared_answers_by_team(*, weeks: dict[int, date], limit: int = 20) -> dict[int, list[Answer]]:
    """The answers to shared questions of several teams' weeks (team id -> week start), for the
    week's summary in their chat channels: one query, one clause per distinct week (the teams
    of a time zone close the same week), at most `limit` a team."""
    by_week: dict[date, list[int]] = defaultdict(list)
    for team_id, start in weeks.items():
        by_week[start].append(team_id)
    if not by_week:
        return {}
    match = Q()
    for start, team_ids in by_week.items():
        match |= Q(checkin__team_id__in=team_ids, checkin__week=start)
    found: dict[int, list[Answer]] = defaultdict(list)
    for answer in (
        Answer.objects.filter(match, question__visibility=Visibility.SHARED, question__special="")
        .filter(is_current_member(team="checkin__team", person="checkin__member"))
        .exclude(text="", number__isnull=True)
        .select_related("question", "checkin__member")
        .order_by("checkin__team_id", "question__position", "checkin__submitted_at", "pk")
    ):
        if len(found[answer.checkin.team_id]) < limit:
            found[answer.checkin.team_id].append(answer)
    return dict(found)


# --- Figures per question, for the dashboard ------------------------------------------------


@dataclass
class QuestionFigures:
    """A question (its series: one wording, or several the manager said mean the same) over a
    range of weeks."""

    series: str
    kind: str
    label: str
    labels: list[str] = field(default_factory=list)  # every wording asked in the range
    low_label: str = ""
    high_label: str = ""
    shared: bool = False
    # Per week (the range's order): (average or share, number of answers)
    weekly: list[tuple[float | None, int]] = field(default_factory=list)
    distribution: dict[str, int] = field(default_factory=dict)
    texts: list[Answer] = field(default_factory=list)  # newest first, for managers


TEXTS_PER_QUESTION = 30


def question_figures(*, team: Team, weeks: list[Week], texts: bool) -> list[QuestionFigures]:
    """Per question over the weeks: scales, numbers and yes/no as the team's weekly figure,
    choices as a distribution, and (`texts`, for managers) the latest text answers. Questions
    stored on the check-in itself (highlights, blockers, support) are not here: the dashboard
    shows those in "Needs you". Three queries (two without texts), whatever the number of
    questions, weeks or people."""
    if not weeks:
        return []
    start, end = weeks[0].start, weeks[-1].start
    versions = [q for q in questions_for_range(team=team, start=start, end=end) if not q.special and q.pk]
    if not versions:
        return []
    by_series: dict[str, QuestionFigures] = {}
    series_of: dict[int, QuestionFigures] = {}
    for question in sorted(versions, key=lambda q: (q.valid_until is not None, q.position, q.valid_from)):
        key = str(question.series)
        figures = by_series.get(key)
        if figures is None:
            figures = by_series[key] = QuestionFigures(
                series=key, kind=question.kind, label=question.label, shared=question.is_shared
            )
        if question.label not in figures.labels:
            figures.labels.append(question.label)
        figures.low_label = figures.low_label or question.low_label
        figures.high_label = figures.high_label or question.high_label
        series_of[question.pk] = figures
    in_range = Answer.objects.filter(
        checkin__team=team, checkin__week__range=(start, end), question_id__in=list(series_of)
    ).filter(is_current_member(team="checkin__team", person="checkin__member"))
    index = {week.start: i for i, week in enumerate(weeks)}
    sums: dict[str, list[list[float]]] = defaultdict(lambda: [[0.0, 0] for _ in weeks])
    rows = (
        in_range.exclude(question__kind__in=TEXT_KINDS)
        .order_by()
        .values("question_id", "checkin__week", "text")
        .annotate(average=Avg("number"), count=Count("pk"))
    )
    for row in rows:
        figures = series_of[row["question_id"]]
        if figures.kind == QuestionKind.CHOICE:
            figures.distribution[row["text"]] = figures.distribution.get(row["text"], 0) + row["count"]
        elif row["average"] is not None:
            cell = sums[figures.series][index[row["checkin__week"]]]
            cell[0] += float(row["average"]) * row["count"]
            cell[1] += row["count"]
    for figures in by_series.values():
        cells = sums.get(figures.series) or [[0.0, 0] for _ in weeks]
        figures.weekly = [(total / count if count else None, count) for total, count in cells]
    if texts:
        ranked = (
            in_range.filter(question__kind__in=TEXT_KINDS)
            .exclude(text="")
            .select_related("checkin__member", "question")
            .annotate(
                rank=Window(
                    RowNumber(), partition_by=[F("question__series")], order_by=[F("checkin__week").desc(), F("pk")]
                )
            )
            .filter(rank__lte=TEXTS_PER_QUESTION)
            .order_by("-checkin__week", "checkin__member__display_name", "pk")
        )
        for answer in ranked:
            series_of[answer.question_id].texts.append(answer)
    return list(by_series.values())


# --- The CSV: one column per question, the wording of its weeks -----------------------------


@dataclass
class QuestionColumn:
    header: str
    kind: str
    question_ids: set[int] = field(default_factory=set)
    special: str = ""


def csv_question_columns(*, team: Team, start: date, end: date) -> list[QuestionColumn]:
    """One column per wording asked in the range (versions that differ only in order or
    options share it): one query."""
    columns: dict[tuple, QuestionColumn] = {}
    for question in questions_for_range(team=team, start=start, end=end):
        key = (str(question.series), question.label)
        column = columns.get(key)
        if column is None:
            column = columns[key] = QuestionColumn(header=question.label, kind=question.kind, special=question.special)
        if question.pk:
            column.question_ids.add(question.pk)
    return list(columns.values())


def csv_member_answers(*, team: Team, start: date, end: date, columns: list[QuestionColumn]) -> dict[int, list[str]]:
    """Each member's answers over the range, a cell per column: averages for scales and
    numbers, "2 of 3 yes", choices with their counts, text answers each after its week. Two
    queries."""
    column_of = {qid: i for i, column in enumerate(columns) for qid in column.question_ids}
    cells: dict[int, list[list[str]]] = defaultdict(lambda: [[] for _ in columns])
    specials = [(i, c.special) for i, c in enumerate(columns) if c.special]
    if specials:
        for checkin in (
            CheckIn.objects.filter(team=team, week__range=(start, end))
            .order_by("week")
            .only("member_id", "week", *{s for _, s in specials})
        ):
            for i, special in specials:
                value = getattr(checkin, special)
                if value:
                    cells[checkin.member_id][i].append(f"{Week(checkin.week).label}: {value}")
    raw: dict[tuple[int, int], list[Answer]] = defaultdict(list)
    if column_of:
        for answer in (
            Answer.objects.filter(
                checkin__team=team, checkin__week__range=(start, end), question_id__in=list(column_of)
            )
            .select_related("question")
            .annotate(member_id=F("checkin__member_id"), week=F("checkin__week"))
            .order_by("checkin__week", "pk")
        ):
            raw[(answer.member_id, column_of[answer.question_id])].append(answer)
    for (member_id, i), answers in raw.items():
        cells[member_id][i] = [_summary(columns[i].kind, answers)]
    return {member_id: ["; ".join(parts) for parts in row] for member_id, row in cells.items()}


def _summary(kind: str, answers: list[Answer]) -> str:
    if kind in (QuestionKind.SCALE, QuestionKind.NUMBER):
        values = [float(a.number) for a in answers if a.number is not None]
        return f"{sum(values) / len(values):g}" if values else ""
    if kind == QuestionKind.YES_NO:
        yes = sum(1 for a in answers if a.number)
        return f"{yes} of {len(answers)} yes"
    if kind == QuestionKind.CHOICE:
        counts: dict[str, int] = {}
        for answer in answers:
            counts[answer.text] = counts.get(answer.text, 0) + 1
        return "; ".join(f"{text}: {n}" for text, n in counts.items())
    return "; ".join(f"{Week(a.week).label}: {a.text}" for a in answers if a.text)


# --- Organisation templates ----------------------------------------------------------------


@dataclass
class TemplateChoice:
    slug: str
    name: str
    description: str
    questions: list[dict]
    builtin: bool


def question_templates() -> list[TemplateChoice]:
    """The built-in templates, then the organisation's own: one query."""
    found = [
        TemplateChoice(t["slug"], t["name"], t["description"], [question_fields(q) for q in t["questions"]], True)
        for t in BUILTIN_TEMPLATES
    ]
    for template in QuestionTemplate.objects.order_by("name"):
        found.append(
            TemplateChoice(f"org-{template.pk}", template.name, template.description, template.questions, False)
        )
    return found
