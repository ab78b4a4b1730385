"""The CDC/ADA prediabetes risk test: the paper form's scoring, computed on the server, nothing kept."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tools import scoring

URL = "/risk-test/"
HTMX = {"HX-Request": "true"}

# The paper form's weight chart as printed (heights 4'10" to 6'4"; rows: 1, 2 and 3 points).
PAPER_CHART = {
    1: "119-142 124-147 128-152 132-157 136-163 141-168 145-173 150-179 155-185 159-190 164-196 169-202 "
    "174-208 179-214 184-220 189-226 194-232 200-239 205-245",
    2: "143-190 148-197 153-203 158-210 164-217 169-224 174-231 180-239 186-246 191-254 197-261 203-269 "
    "209-277 215-285 221-293 227-301 233-310 240-318 246-327",
    3: "191+ 198+ 204+ 211+ 218+ 225+ 232+ 240+ 247+ 255+ 262+ 270+ 278+ 286+ 294+ 302+ 311+ 319+ 328+",
}

LOW = {
    "age": "under-40",
    "sex": "woman",
    "gestational_diabetes": "no",
    "family_history": "no",
    "high_blood_pressure": "no",
    "physically_active": "yes",
    "height": "66",
    "weight": "140",
}
HIGH = {
    "age": "60-plus",
    "sex": "man",
    "gestational_diabetes": "not-applicable",
    "family_history": "yes",
    "high_blood_pressure": "no",
    "physically_active": "no",
    "height": "70",
    "weight": "210",
}


def test_weight_chart_is_the_paper_forms():
    heights = list(scoring.WEIGHT_CHART)
    assert heights == list(range(58, 77))  # 4'10" to 6'4"
    for points, row in PAPER_CHART.items():
        for inches, cell in zip(heights, row.split(), strict=True):
            low, _, high = cell.rstrip("+").partition("-")
            assert scoring.weight_points(height_inches=inches, weight_pounds=int(low)) == points
            assert scoring.weight_points(height_inches=inches, weight_pounds=int(low) - 1) == points - 1
            if high:
                assert scoring.weight_points(height_inches=inches, weight_pounds=int(high)) == points


def answers(**fields) -> scoring.Answers:
    base = dict(
        age="under-40",
        sex="woman",
        gestational_diabetes=False,
        family_history=False,
        high_blood_pressure=False,
        physically_active=True,
        height_inches=66,
        weight_pounds=140,
    )
    return scoring.Answers(**(base | fields))


@pytest.mark.parametrize(
    ("fields", "total"),
    [
        ({}, 0),
        ({"age": "40-49"}, 1),
        ({"age": "50-59"}, 2),
        ({"age": "60-plus"}, 3),
        ({"sex": "man"}, 1),
        ({"gestational_diabetes": True}, 1),
        ({"sex": "man", "gestational_diabetes": True}, 1),  # only asked of women
        ({"family_history": True}, 1),
        ({"high_blood_pressure": True}, 1),
        ({"physically_active": False}, 1),
        ({"weight_pounds": 155}, 1),
        ({"weight_pounds": 186}, 2),
        ({"weight_pounds": 247}, 3),
        (
            {
                "age": "60-plus",
                "gestational_diabetes": True,
                "family_history": True,
                "high_blood_pressure": True,
                "physically_active": False,
                "weight_pounds": 300,
            },
            10,
        ),
    ],
)
def test_scoring_follows_the_form(fields, total):
    assert scoring.score(answers(**fields)).total == total


def test_five_or_more_is_high_risk():
    assert not scoring.score(answers(age="60-plus", family_history=True)).high_risk  # 4
    assert scoring.score(answers(age="60-plus", family_history=True, high_blood_pressure=True)).high_risk  # 5


def test_question_page_asks_the_seven_questions_and_is_the_same_for_everyone(client, db):
    response = client.get(URL)
    html = response.content.decode()
    for question in [
        "1. How old are you?",
        "2. Are you a man or a woman?",
        "3. If you are a woman, have you ever been diagnosed with gestational diabetes?",
        "4. Do you have a mother, father, sister, or brother with diabetes?",
        "5. Have you ever been diagnosed with high blood pressure?",
        "6. Are you physically active?",
        "7. What is your weight category?",
    ]:
        assert question in html
    assert "csrfmiddlewaretoken" not in html and not response.cookies
    assert 'href="/risk-test/"' in client.get("/").content.decode()


def test_result_without_javascript_is_computed_and_never_kept(client, personas):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, HIGH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your score: 8 points" in html  # 3 age + 1 man + 1 family + 1 inactive + 2 weight
    assert "increased risk for having prediabetes" in html
    assert "Talk to your doctor" in html
    assert 'href="/topics/getting-tested/"' in html
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert not response.cookies
    writes = [q["sql"] for q in queries.captured_queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    # The answers stay selected on the form.
    assert re.search(r'value="60-plus"[^>]*checked', html)


def test_low_score_says_what_it_means(client, personas):
    html = client.post(URL, LOW).content.decode()
    assert "Your score: 0 points" in html
    assert "under 5" in html
    assert "only a doctor can tell for sure" in html
    assert 'href="/topics/getting-tested/"' in html


def test_result_with_htmx_replaces_the_form_in_place(client, personas):
    response = client.post(URL, HIGH, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="risk-test"' in html and "Your score: 8 points" in html
    assert "no-store" in response["Cache-Control"]


def test_result_speaks_to_the_readers_persona(client, personas):
    client.cookies["persona"] = "professional"
    assert (
        "Bang et al., Ann Intern Med 151:775-783, 2009"
        in client.post(URL, HIGH).content.decode().split("About this test")[0]
    )
    client.cookies["persona"] = "caregiver"
    assert "If you answered for someone you look after" in client.post(URL, HIGH).content.decode()
    client.cookies["persona"] = "patient"
    html = client.post(URL, HIGH).content.decode()
    assert "someone you look after" not in html
    assert "Bang et al." not in html.split("About this test")[0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"age": ""}, "Please choose an answer."),
        ({"sex": "woman", "gestational_diabetes": "not-applicable"}, "Please answer Yes or No."),
        ({"weight": "heavy"}, "whole number of pounds"),
        ({"weight": "5"}, "give it in pounds"),
        ({"height": "99"}, "Please choose a height listed."),
        ({"weight": ""}, "Please give your weight in pounds."),
    ],
)
def test_incomplete_answers_get_clear_errors_and_keep_the_rest(client, personas, change, message):
    response = client.post(URL, HIGH | change)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Your score:" not in html
    assert "Skip to main content" in html
    assert re.search(r'name="family_history" value="yes"[^>]*checked', html)
    htmx = client.post(URL, HIGH | change, headers=HTMX)
    assert htmx.status_code == 200 and message in htmx.content.decode()
