"""The map of the code, kept true: imports that the design forbids fail here.

Dependencies point one way: views -> selectors -> models -> rendering (see README, "How it is
built"). Models know no HTTP and never reach up into search, views, admin or the page cache;
rendering is text in, text out; selectors never reach into the web layer. Imports inside
functions count too: a lazy import is still an arrow.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WEB = {"topics.views", "topics.urls", "topics.admin", "topics.templatetags", "feedback.views", "feedback.admin"}
FORBIDDEN = {
    "topics.models": {"topics.search", "topics.caching", "topics.versioning", "topics.selectors", *WEB},
    "topics.rendering": {"topics.models", "topics.selectors", "topics.search", "topics.caching", *WEB},
    "topics.blocks": {"topics.models", "topics.selectors", *WEB},
    "topics.readability": {"topics.models", "topics.selectors", *WEB},
    "topics.selectors": WEB,
    # The file format is data in, data out: it knows no page cache, search or HTTP.
    "topics.content_files": {"topics.caching", "topics.search", "topics.selectors", *WEB},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_no_module_imports_what_the_design_forbids():
    arrows = []
    for app in ("topics", "feedback", "insr_site"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            source = module_name(path)
            for rule, forbidden in FORBIDDEN.items():
                if not within(source, rule):
                    continue
                for name in imports_of(path):
                    if any(within(name, target) for target in forbidden):
                        arrows.append(f"{source} -> {name}")
    assert arrows == []


def test_the_rule_sees_a_lazy_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from topics.search import search_vector_for\n")
    assert "topics.search" in imports_of(sample)


PERSONA_SLUGS = ("patient", "caregiver", "student", "professional")
# Where persona slugs may be written: the data itself (migrations, shipped content) and tests.
SLUGS_ALLOWED_IN = {"migrations", "content", "tests"}


def test_personas_are_data_no_code_or_template_names_a_persona_by_its_slug():
    literal = re.compile("[\"'](?:" + "|".join(PERSONA_SLUGS) + ")[\"']")
    found = []
    for folder in ("topics", "feedback", "insr_site", "templates", "static/js"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".js", ".txt"} or SLUGS_ALLOWED_IN & set(path.parts):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if literal.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_template_comments_with_hash_braces_stay_on_one_line():
    # Django prints a {# ... #} comment that spans lines as text on the page: use {% comment %}.
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert broken == []


def test_the_readme_map_names_every_module_of_the_domain_app():
    # "How it is built" is how someone new finds their way: a module it does not name is a
    # part of the design nobody was told about.
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## How it is built")
    section = readme[start : readme.index("\n## ", start + 1)]
    plumbing = {"__init__.py", "apps.py", "urls.py", "admin.py"}
    modules = [*(ROOT / "topics").glob("*.py"), *(ROOT / "topics" / "models").glob("*.py")]
    unnamed = sorted(str(path.relative_to(ROOT)) for path in modules if path.name not in plumbing)
    unnamed = [name for name in unnamed if Path(name).name not in section]
    assert unnamed == []
