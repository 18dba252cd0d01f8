"""The survey models in the Django admin: listed, and read-only."""

import pytest


@pytest.mark.parametrize(
    "url",
    [
        "/admin/surveys/surveytemplate/",
        "/admin/surveys/surveyround/",
        "/admin/surveys/surveyresponse/",
    ],
)
def test_survey_models_are_listed_read_only_in_the_admin(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 200
    assert admin_client.get(url + "add/").status_code == 403
