"""The CDC / American Diabetes Association Prediabetes Risk Test: seven questions, one score.

Questions, points and the weight chart are those of the paper form ("Adapted from Bang
et al., Ann Intern Med 151:775-783, 2009"), which match CDC's page "How Your Test is
Scored" (https://www.cdc.gov/diabetes/widgets/risktest/how-your-test-is-scored.html).
A total of 5 points or higher is considered high risk for having prediabetes.

Plain functions, answers in and points out: no database, no request, nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass

HIGH_RISK_SCORE = 5

AGE_POINTS = {"under-40": 0, "40-49": 1, "50-59": 2, "60-plus": 3}
AGE_CHOICES = [
    ("under-40", "Younger than 40 years"),
    ("40-49", "40 to 49 years"),
    ("50-59", "50 to 59 years"),
    ("60-plus", "60 years or older"),
]
SEX_POINTS = {"man": 1, "woman": 0}

# The paper form's weight chart: for each height (in inches, 4'10" to 6'4"), the lowest
# weight in pounds that scores 1, 2 and 3 points. Below the first, 0 points.
WEIGHT_CHART: dict[int, tuple[int, int, int]] = {
    58: (119, 143, 191),
    59: (124, 148, 198),
    60: (128, 153, 204),
    61: (132, 158, 211),
    62: (136, 164, 218),
    63: (141, 169, 225),
    64: (145, 174, 232),
    65: (150, 180, 240),
    66: (155, 186, 247),
    67: (159, 191, 255),
    68: (164, 197, 262),
    69: (169, 203, 270),
    70: (174, 209, 278),
    71: (179, 215, 286),
    72: (184, 221, 294),
    73: (189, 227, 302),
    74: (194, 233, 311),
    75: (200, 240, 319),
    76: (205, 246, 328),
}


def height_label(inches: int) -> str:
    return f"{inches // 12} feet {inches % 12} inches"


HEIGHT_CHOICES = [(str(inches), height_label(inches)) for inches in WEIGHT_CHART]


def weight_points(*, height_inches: int, weight_pounds: int) -> int:
    """Points for weight at this height, from the chart (0 to 3)."""
    return sum(weight_pounds >= lowest for lowest in WEIGHT_CHART[height_inches])


@dataclass(frozen=True)
class Answers:
    age: str
    sex: str
    gestational_diabetes: bool  # only counted for a woman, as the form asks
    family_history: bool
    high_blood_pressure: bool
    physically_active: bool
    height_inches: int
    weight_pounds: int


@dataclass(frozen=True)
class Result:
    points: dict[str, int]  # per question, in the form's order
    total: int

    @property
    def high_risk(self) -> bool:
        return self.total >= HIGH_RISK_SCORE


def score(answers: Answers) -> Result:
    points = {
        "age": AGE_POINTS[answers.age],
        "sex": SEX_POINTS[answers.sex],
        "gestational_diabetes": int(answers.sex == "woman" and answers.gestational_diabetes),
        "family_history": int(answers.family_history),
        "high_blood_pressure": int(answers.high_blood_pressure),
        "physical_activity": 0 if answers.physically_active else 1,
        "weight": weight_points(height_inches=answers.height_inches, weight_pounds=answers.weight_pounds),
    }
    return Result(points=points, total=sum(points.values()))
