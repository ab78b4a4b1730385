"""Visitors' forms. Every field is bounded; errors keep what the visitor typed."""

from __future__ import annotations

from django import forms

from feedback.guards import clean_text
from feedback.models import COMMENT_MAX_LENGTH, NAME_MAX_LENGTH, STORY_MAX_LENGTH


class CleanCharField(forms.CharField):
    """A text field without control characters (PostgreSQL refuses NUL)."""

    def to_python(self, value):
        return clean_text(super().to_python(value))


class Honeypot(forms.Form):
    # Hidden from people (CSS and aria-hidden); bots that fill every field fill it in.
    website = forms.CharField(required=False, max_length=200)

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class FeedbackForm(Honeypot):
    topic = forms.SlugField(max_length=50)
    persona = forms.SlugField(max_length=50)
    helpful = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")])


class CommentForm(Honeypot):
    token = forms.CharField(max_length=200, widget=forms.HiddenInput)
    comment = CleanCharField(
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        error_messages={
            "required": "Please write a few words, or leave this box: your answer is already saved.",
            "max_length": f"Please keep it to {COMMENT_MAX_LENGTH} characters or fewer.",
        },
    )


class StoryForm(Honeypot):
    prompt = forms.ChoiceField(
        label="Which question are you answering?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose the question you are answering.",
            "invalid_choice": "Please choose one of the questions listed.",
        },
    )
    text = CleanCharField(
        label="Your experience",
        max_length=STORY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": STORY_MAX_LENGTH}),
        error_messages={
            "required": "Please write your experience.",
            "max_length": f"Please keep your experience to {STORY_MAX_LENGTH:,} characters or fewer.",
        },
    )
    name = CleanCharField(
        label="First name or initials (optional)",
        required=False,
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"maxlength": NAME_MAX_LENGTH, "autocomplete": "off"}),
        error_messages={"max_length": f"Please use at most {NAME_MAX_LENGTH} characters."},
    )

    def __init__(self, *args, prompts: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["prompt"].choices = [(p, p) for p in prompts]
        if len(prompts) == 1:
            self.fields["prompt"].initial = prompts[0]
