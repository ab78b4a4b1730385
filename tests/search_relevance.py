"""Everyday searches and the page a clinician would send that person to.

Each case is (query, reader, (topic, persona)): the reader is the persona the visitor
chose, or None when they have not chosen one (search then reads the query for clues,
such as "my baby", and otherwise shows the default patient pages). The expected page
was judged by reading the shipped content in topics/content/topics/. Used by
tests/test_search_relevance.py and bench/search_relevance.py.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    query: str
    reader: str | None
    expected: tuple[str, str]  # (topic slug, persona slug)


def _for(query: str, topic: str, reader: str | None = None, persona: str | None = None) -> Case:
    return Case(query, reader, (topic, persona or reader or "patient"))


CASES: list[Case] = [
    # Symptoms in plain words
    _for("dark patches on neck", "acanthosis-nigricans"),
    _for("dark skin on my neck", "acanthosis-nigricans", "patient"),
    _for("velvety dark skin in the armpits", "acanthosis-nigricans", "caregiver"),
    _for("thick dark skin", "acanthosis-nigricans", "student"),
    _for("always thirsty", "signs-and-symptoms"),
    _for("very thirsty and peeing a lot", "signs-and-symptoms", "patient"),
    _for("extra hair on face", "polycystic-ovary-syndrome"),
    _for("extra hair on my chest", "polycystic-ovary-syndrome", "patient"),
    _for("irregular periods", "polycystic-ovary-syndrome"),
    _for("shaky and sweaty", "low-blood-sugar"),
    _for("feeling shaky and sweaty", "low-blood-sugar", "caregiver"),
    _for("shaky sweaty hungry", "low-blood-sugar", "student"),
    _for("dizzy and confused after insulin", "low-blood-sugar"),
    _for("large waist and high blood pressure", "metabolic-syndrome"),
    _for("heart attack signs", "prediabetes-and-type-2-diabetes"),
    _for("signs of a heart attack", "prediabetes-and-type-2-diabetes", "caregiver"),
    _for("stroke signs", "prediabetes-and-type-2-diabetes"),
    # Lab values: 110 fasting is HIGH (prediabetes), below 70 is low
    _for("a1c 6.1", "getting-tested"),
    _for("a1c 6.1", "getting-tested", "professional"),
    _for("my a1c is 5.9", "getting-tested", "patient"),
    _for("a1c 5.8", "getting-tested", "student"),
    _for("a1c 7", "getting-tested"),
    _for("hba1c 6.5", "getting-tested", "professional"),
    _for("fasting 110", "getting-tested"),
    _for("blood sugar 110", "getting-tested"),
    _for("fasting sugar 110", "getting-tested"),
    _for("fasting glucose 130", "getting-tested", "student"),
    _for("fasting blood sugar 105", "getting-tested", "caregiver"),
    _for("blood sugar 60", "low-blood-sugar"),
    _for("blood sugar 55", "low-blood-sugar", "caregiver"),
    _for("glucose 65", "low-blood-sugar", "professional"),
    # Questions
    _for("how do I know if I have insulin resistance", "insulin-resistance"),
    _for("how do I know if I have insulin resistance", "insulin-resistance", "caregiver"),
    _for("what is insulin resistance", "insulin-resistance", "student"),
    _for("what does insulin do", "insulin"),
    _for("what should I eat", "managing-insulin-resistance"),
    _for("can insulin resistance be reversed", "managing-insulin-resistance"),
    _for("what causes insulin resistance", "causes-and-risk-factors"),
    _for("who should get tested for diabetes", "getting-tested"),
    _for("what is a normal a1c", "getting-tested"),
    _for("side effects of metformin", "metformin-and-pioglitazone"),
    _for("can kids get type 2 diabetes", "children-and-teens"),
    _for("diabetes during pregnancy", "pregnancy-and-gestational-diabetes"),
    _for("what is a carrier", "genetic-testing-and-counselling", "caregiver"),
    # Misspellings
    _for("prediabtes", "prediabetes-and-type-2-diabetes"),
    _for("insulin resistence", "insulin-resistance"),
    _for("insulin resistence", "insulin-resistance", "professional"),
    _for("donahue", "donohue-syndrome"),
    _for("donahue syndrome", "donohue-syndrome", "student"),
    _for("acanthosys", "acanthosis-nigricans"),
    _for("metformn", "metformin-and-pioglitazone"),
    _for("polycistic ovary", "polycystic-ovary-syndrome"),
    _for("gestational diabets", "pregnancy-and-gestational-diabetes"),
    _for("hypoglycemia", "low-blood-sugar"),
    _for("hypoglicemia", "low-blood-sugar", "student"),
    # Other names
    _for("hirsutism", "polycystic-ovary-syndrome"),
    _for("hirsutism", "polycystic-ovary-syndrome", "professional"),
    _for("HHF5", "insr-gene"),
    _for("HHF5", "insr-gene", "professional"),
    _for("CD220", "insr-gene", "student"),
    _for("leprechaunism", "donohue-syndrome"),
    _for("leprechaunism", "donohue-syndrome", "professional"),
    _for("HbA1c", "getting-tested"),
    _for("metabolic syndrome X", "metabolic-syndrome"),
    _for("carrier testing", "genetic-testing-and-counselling"),
    _for("impaired insulin sensitivity", "insulin-resistance", "student"),
    _for("PCOS", "polycystic-ovary-syndrome", "caregiver"),
    # Exact titles, for every reader
    _for("insulin resistance", "insulin-resistance"),
    _for("insulin resistance", "insulin-resistance", "patient"),
    _for("insulin resistance", "insulin-resistance", "caregiver"),
    _for("insulin resistance", "insulin-resistance", "student"),
    _for("insulin resistance", "insulin-resistance", "professional"),
    _for("metabolic syndrome", "metabolic-syndrome", "patient"),
    _for("donohue syndrome", "donohue-syndrome", "professional"),
    _for("type a insulin resistance", "type-a-insulin-resistance", "student"),
    _for("severe insulin resistance syndromes", "severe-insulin-resistance-syndromes", "caregiver"),
    _for("signs and symptoms", "signs-and-symptoms"),
    _for("rabson mendenhall syndrome", "rabson-mendenhall-syndrome", "professional"),
    # Someone looking after someone: caregiver pages unless a reader was chosen
    _for("my baby has donohue syndrome", "donohue-syndrome", persona="caregiver"),
    _for("my baby has donohue syndrome", "donohue-syndrome", "student"),
    _for("my child has dark skin on his neck", "acanthosis-nigricans", persona="caregiver"),
    _for("my son is overweight and at risk of diabetes", "children-and-teens", persona="caregiver"),
    _for("my daughter has pcos", "polycystic-ovary-syndrome", persona="caregiver"),
    _for("my child has low blood sugar", "low-blood-sugar", persona="caregiver"),
]


def position(case: Case) -> tuple[int | None, int]:
    """Where the expected page comes in the results (1 is first, None: not listed), and how many are listed."""
    from topics.models import Persona
    from topics.search import search

    slug = case.reader or "patient"
    results = search(case.query, Persona.objects.get(slug=slug), reader_chosen=case.reader is not None)
    pages = [(hit.topic.slug, hit.variant.persona.slug) for hit in results.hits]
    return (pages.index(case.expected) + 1 if case.expected in pages else None), len(pages)
