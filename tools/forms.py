from django import forms

from tools import scoring

YES_NO = [("yes", "Yes"), ("no", "No")]
ANSWER = {"required": "Please choose an answer.", "invalid_choice": "Please choose one of the answers listed."}


class RiskTestForm(forms.Form):
    """The seven questions of the paper form, in its order and words."""

    age = forms.ChoiceField(
        label="1. How old are you?", choices=scoring.AGE_CHOICES, widget=forms.RadioSelect, error_messages=ANSWER
    )
    sex = forms.ChoiceField(
        label="2. Are you a man or a woman?",
        choices=[("man", "Man"), ("woman", "Woman")],
        widget=forms.RadioSelect,
        error_messages=ANSWER,
    )
    gestational_diabetes = forms.ChoiceField(
        label="3. If you are a woman, have you ever been diagnosed with gestational diabetes?",
        choices=[*YES_NO, ("not-applicable", "I am a man")],
        widget=forms.RadioSelect,
        required=False,
    )
    family_history = forms.ChoiceField(
        label="4. Do you have a mother, father, sister, or brother with diabetes?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=ANSWER,
    )
    high_blood_pressure = forms.ChoiceField(
        label="5. Have you ever been diagnosed with high blood pressure?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=ANSWER,
    )
    physically_active = forms.ChoiceField(
        label="6. Are you physically active?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=ANSWER,
    )
    height = forms.TypedChoiceField(
        label="Your height",
        choices=[("", "Choose your height"), *scoring.HEIGHT_CHOICES],
        coerce=int,
        error_messages={"required": "Please choose your height.", "invalid_choice": "Please choose a height listed."},
    )
    weight = forms.IntegerField(
        label="Your weight in pounds",
        min_value=50,
        max_value=1000,
        error_messages={
            "required": "Please give your weight in pounds.",
            "invalid": "Please give your weight as a whole number of pounds, for example 160.",
            "min_value": "Please check your weight: give it in pounds, for example 160.",
            "max_value": "Please check your weight: give it in pounds, for example 160.",
        },
    )

    def clean(self):
        data = super().clean()
        if data.get("sex") == "woman" and data.get("gestational_diabetes") not in ("yes", "no"):
            self.add_error("gestational_diabetes", "Please answer Yes or No.")
        return data

    def answers(self) -> scoring.Answers:
        data = self.cleaned_data
        return scoring.Answers(
            age=data["age"],
            sex=data["sex"],
            gestational_diabetes=data.get("gestational_diabetes") == "yes",
            family_history=data["family_history"] == "yes",
            high_blood_pressure=data["high_blood_pressure"] == "yes",
            physically_active=data["physically_active"] == "yes",
            height_inches=data["height"],
            weight_pounds=data["weight"],
        )
