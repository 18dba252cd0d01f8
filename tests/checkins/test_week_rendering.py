"""The week page's fast paths draw exactly what the templates they replace would."""

import re

import pytest
from django.middleware.csrf import get_token
from django.template import engines
from django.test import RequestFactory

from accountability.models import Team
from checkins.forms import CheckInForm, CommitmentForm
from checkins.selectors import default_questions

from ..factories import CommitmentFactory

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    get_token(request)
    # Each {% csrf_token %} masks the same secret anew: compare everything but the mask.
    return TOKEN.sub("TOKEN", engines["django"].from_string(source).render(context, request))


@pytest.mark.django_db
def test_blank_review_form_is_the_template_with_each_commitment(member, team):
    commitments = [
        CommitmentFactory(owner=member, team=team, title='Ship "v2" & <tidy> the docs'),
        CommitmentFactory(owner=member, team=team, title="Pair with Theo"),
    ]

    included = _render(
        '{% for commitment in rows %}{% include "checkins/_review_form.html" with form=None %}{% endfor %}',
        rows=commitments,
    )
    stamped = _render(
        "{% load checkins_tags %}{% for commitment in rows %}{% blank_review_form commitment %}{% endfor %}",
        rows=commitments,
    )

    assert stamped == included
    assert "Ship &quot;v2&quot; &amp; &lt;tidy&gt; the docs" in stamped
    assert f"/commitments/{commitments[1].pk}/review/" in stamped


def test_field_group_wires_label_help_and_errors():
    form = CommitmentForm(data={"title": "", "due_date": "not a <date>"})
    form.is_valid()

    html = _render("{% load checkins_tags %}{{ form.title|field_group }}{{ form.due_date|field_group }}", form=form)

    assert '<label for="id_title" class="form-label requiredField">I commit to…' in html
    assert 'aria-describedby="id_title_error"' in html and 'aria-invalid="true"' in html
    assert '<div id="id_title_error" class="invalid-feedback"><p><strong>Give the commitment a short title.' in html
    # What they typed stays, escaped; the help text stays linked.
    assert 'value="not a &lt;date&gt;"' in html
    assert 'aria-describedby="id_due_date_error id_due_date_helptext"' in html
    assert '<div id="id_due_date_helptext" class="form-text">Leave empty for the end of the week.</div>' in html


def test_field_group_keeps_a_checkin_s_words():
    form = CheckInForm(data={"highlights": "Shipped <it>", "mood": ""}, questions=default_questions(Team(pk=1)))
    form.is_valid()

    html = _render("{% load checkins_tags %}{{ form.highlights|field_group }}", form=form)

    assert ">\nShipped &lt;it&gt;</textarea>" in html
    assert 'class="form-control"' in html  # no error on this field
