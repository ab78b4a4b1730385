from types import SimpleNamespace

from topics.templatetags.glossary import by_initial


def test_by_initial_groups_letters_once_whatever_the_case():
    terms = [SimpleNamespace(term=name) for name in ["HDL", "Donohue syndrome", "diabetes mellitus", "hormone", "gene"]]
    grouped = by_initial(terms)
    assert [letter for letter, _ in grouped] == ["D", "G", "H"]
    assert [entry.term for entry in grouped[0][1]] == ["diabetes mellitus", "Donohue syndrome"]
    assert [entry.term for entry in grouped[2][1]] == ["HDL", "hormone"]


def test_by_initial_of_nothing_is_empty():
    assert by_initial([]) == []
