"""Outside resources for gene and syndrome pages, the ones MedlinePlus Genetics lists.

MedlinePlus Genetics ends its gene pages with "Additional information & resources":
the Genetic Testing Registry, OMIM, gene and variant databases (ClinVar, NCBI Gene)
and scientific articles on PubMed. A topic lists the ones it offers in its
``resources`` (content: ``topic.md``), each either by an identifier, only where a
stored source shows that identifier (an OMIM number from an OMIM or MedGen record),
or otherwise as a search of that resource for a term. Plain functions: nothing
here reads the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from django.core.exceptions import ValidationError

MAX_SEARCH_LENGTH = 100


@dataclass(frozen=True)
class Resource:
    name: str
    description: str  # plain words: patients read it too
    search_url: str  # {term} is replaced by the search term
    id_url: str = ""  # {id}: only resources whose identifiers a content file may give
    id_pattern: str = r"\d{1,12}"


# In MedlinePlus Genetics' order.
RESOURCES: dict[str, Resource] = {
    "gtr": Resource(
        "Genetic Testing Registry",
        "genetic tests and the labs that offer them",
        "https://www.ncbi.nlm.nih.gov/gtr/all/tests/?term={term}",
    ),
    "omim": Resource(
        "OMIM",
        "a catalog of genes and genetic conditions, written for experts",
        "https://omim.org/search?search={term}",
        id_url="https://omim.org/entry/{id}",
        id_pattern=r"\d{6}",
    ),
    "clinvar": Resource(
        "ClinVar",
        "reports of gene changes and what they are known to mean",
        "https://www.ncbi.nlm.nih.gov/clinvar/?term={term}",
    ),
    "gene": Resource(
        "NCBI Gene",
        "facts about the gene, for scientists",
        "https://www.ncbi.nlm.nih.gov/gene/?term={term}",
        id_url="https://www.ncbi.nlm.nih.gov/gene/{id}",
    ),
    "pubmed": Resource(
        "PubMed",
        "scientific articles",
        "https://pubmed.ncbi.nlm.nih.gov/?term={term}",
    ),
}


@dataclass(frozen=True)
class Link:
    name: str
    description: str
    url: str
    identifier: str = ""  # shown beside the name ("OMIM 147670")
    search: str = ""  # shown as "search: <term>"


def check(entries) -> list[dict[str, str]]:
    """The entries as stored, or ValidationError saying what is wrong with them.

    Each entry is ``{"resource": <one of RESOURCES>, "id": "<digits>"}`` or
    ``{"resource": ..., "search": "<term>"}``.
    """
    if entries in (None, ""):
        return []
    if not isinstance(entries, list):
        raise ValidationError('Resources are a list of entries, e.g. [{"resource": "omim", "id": "147670"}].')
    checked: list[dict[str, str]] = []
    for number, entry in enumerate(entries, start=1):
        where = f"Resource {number}"
        if not isinstance(entry, dict):
            raise ValidationError(f"{where}: write it as resource and id, or resource and search.")
        extra = set(entry) - {"resource", "id", "search"}
        if extra:
            raise ValidationError(f"{where}: unknown key(s) {', '.join(sorted(map(str, extra)))}.")
        slug = str(entry.get("resource") or "")
        if slug not in RESOURCES:
            raise ValidationError(f"{where}: resource must be one of {', '.join(RESOURCES)}.")
        resource = RESOURCES[slug]
        identifier, search = str(entry.get("id") or "").strip(), " ".join(str(entry.get("search") or "").split())
        if bool(identifier) == bool(search):
            raise ValidationError(f"{where}: give either an id or a search term, not both or neither.")
        if identifier:
            if not resource.id_url:
                raise ValidationError(f"{where}: {resource.name} links are searches here; give a search term.")
            if not re.fullmatch(resource.id_pattern, identifier):
                raise ValidationError(f"{where}: {identifier!r} is not a {resource.name} identifier.")
            checked.append({"resource": slug, "id": identifier})
        else:
            if len(search) > MAX_SEARCH_LENGTH:
                raise ValidationError(f"{where}: the search term is longer than {MAX_SEARCH_LENGTH} characters.")
            checked.append({"resource": slug, "search": search})
    return checked


def validate(entries) -> None:
    """A model field validator: ``check`` without the result."""
    check(entries)


def links(entries) -> list[Link]:
    """The links a page shows for a topic's stored entries (entries that fail ``check`` are left out)."""
    try:
        entries = check(entries)
    except ValidationError:
        return []
    result = []
    for entry in entries:
        resource = RESOURCES[entry["resource"]]
        if "id" in entry:
            url = resource.id_url.format(id=quote(entry["id"]))
            result.append(Link(resource.name, resource.description, url, identifier=entry["id"]))
        else:
            url = resource.search_url.format(term=quote_plus(entry["search"]))
            result.append(Link(resource.name, resource.description, url, search=entry["search"]))
    return result
