"""A city's catalogue (departments and service types) as a file: CSV or YAML, read and written.

The same format is exported from any city and imported into any other, so a new member can
start from a neighbour's catalogue. Reading checks everything and says, for each mistake,
the line and the field, in the file's own words; ``catalog.services.catalog_import`` writes
only when there is none.

YAML::

    departments:
      - {code: public-works, name: Public Works, email: pw@example.org}
    service_types:
      - code: pothole
        name: Pothole
        name_es: Bache
        department: public-works
        target_days: 5
        target_in_business_days: no
        group: Streets
        group_es: Calles
        questions:
          - {code: size, question: How big is it?, question_es: "¿Qué tan grande es?", datatype: singlevaluelist,
             values: [{key: small, name: Small, name_es: Pequeño}, {key: large, name: Large}]}

CSV: one row per service type, columns ``code, name, name_es, department, department_name,
department_email, department_active, target_days, target_in_business_days, group, group_es,
description, keywords, active, confidential, questions`` (the questions as the JSON of the YAML list); a department is
created or updated from the ``department…`` columns of its rows.

A field the file does not give (a CSV column left out, a YAML key left out) is *not given*:
an existing department, type or question keeps what it has, a new one gets the default. A
given field that is empty means empty (a yes/no field: its default; ``target_days``: no
target). ``target_in_business_days`` (yes/no, default no) counts the target in the city's
business days instead of calendar days (``catalog.targets``). So an older CSV without ``department_email`` keeps the departments' emails, and an
export read back changes nothing: ``write_catalogue`` writes every field.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.utils.translation import gettext as _

from civicdesk.catalog.admin import clean_choice_values
from civicdesk.catalog.models import Datatype

CSV_COLUMNS = (
    "code",
    "name",
    "name_es",
    "department",
    "department_name",
    "department_email",
    "department_active",
    "target_days",
    "target_in_business_days",
    "group",
    "group_es",
    "description",
    "keywords",
    "active",
    "confidential",
    "questions",
)
DEPARTMENT_COLUMNS = {"department_name": "name", "department_email": "email", "department_active": "active"}
TYPE_KEYS = {c for c in CSV_COLUMNS if c not in DEPARTMENT_COLUMNS}
DEPARTMENT_KEYS = {"code", "name", "email", "active"}
QUESTION_KEYS = {
    "code",
    "question",
    "question_es",
    "datatype",
    "required",
    "variable",
    "values",
    "description",
    "order",
}


class CatalogueFileError(ValueError):
    """A catalogue file with mistakes: ``problems`` lists each, with its line and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class DepartmentEntry:
    line: int
    code: str
    name: str
    email: str = ""
    active: bool = True
    # The fields the file gives (None: all); the others an existing department keeps.
    given: frozenset[str] | None = None


@dataclass
class QuestionEntry:
    code: str
    question: str
    question_es: str = ""
    datatype: str = Datatype.STRING
    required: bool = False
    variable: bool = True
    values: list[dict[str, str]] = field(default_factory=list)
    description: str = ""
    # None: not given (a new question comes after the one before it in the list).
    order: int | None = None
    given: frozenset[str] | None = None
    # Its own line in a YAML file (0: the line of its type, as in a CSV row).
    line: int = 0


@dataclass
class TypeEntry:
    line: int
    code: str
    name: str
    name_es: str = ""
    department: str = ""
    target_days: int | None = None
    target_in_business_days: bool = False
    group: str = ""
    group_es: str = ""
    description: str = ""
    keywords: str = ""
    active: bool = True
    confidential: bool = False
    questions: list[QuestionEntry] = field(default_factory=list)
    given: frozenset[str] | None = None


@dataclass
class Catalogue:
    departments: list[DepartmentEntry] = field(default_factory=list)
    service_types: list[TypeEntry] = field(default_factory=list)


class _LineLoader(yaml.SafeLoader):
    """Keeps each mapping's line (``__line__``) so a mistake can say where it is."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    value = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    value["__line__"] = node.start_mark.line + 1
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _flag(value: Any, where: str, problems: list[str], default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1", "y"):
        return True
    if text in ("no", "false", "0", "n"):
        return False
    problems.append(_("%(where)s: “%(v)s” is not yes or no.") % {"where": where, "v": value})
    return default


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check_code(code: str, where: str, problems: list[str]) -> None:
    if not code:
        problems.append(_("%(where)s: the code is empty.") % {"where": where})
        return
    try:
        validate_slug(code)
    except ValidationError:
        problems.append(
            _("%(where)s: “%(code)s” is not a code: use letters, digits, hyphens and underscores only.")
            % {"where": where, "code": code}
        )
    if len(code) > 60:
        problems.append(_("%(where)s: the code is longer than 60 characters.") % {"where": where})


def _questions(value: Any, where: str, problems: list[str]) -> list[QuestionEntry]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            problems.append(
                _("%(where)s: not a JSON list of questions (%(error)s).") % {"where": where, "error": exc.msg}
            )
            return []
    if not isinstance(value, list):
        problems.append(_("%(where)s: give a list of questions.") % {"where": where})
        return []
    out: list[QuestionEntry] = []
    seen: set[str] = set()
    for n, item in enumerate(value, start=1):
        here = _("%(where)s, question %(n)d") % {"where": where, "n": n}
        if not isinstance(item, dict):
            problems.append(_("%(where)s: give code:, question: and datatype:.") % {"where": here})
            continue
        line = item.get("__line__", 0)
        item = {k: v for k, v in item.items() if k != "__line__"}
        unknown = sorted(set(item) - QUESTION_KEYS)
        if unknown:
            problems.append(
                _("%(where)s: unknown field(s) %(fields)s; the fields are %(known)s.")
                % {"where": here, "fields": ", ".join(unknown), "known": ", ".join(sorted(QUESTION_KEYS))}
            )
        code = _text(item.get("code"))
        _check_code(code, here, problems)
        if code in seen:
            problems.append(_("%(where)s: the code “%(code)s” is used twice.") % {"where": here, "code": code})
        seen.add(code)
        question = _text(item.get("question"))
        if not question:
            problems.append(_("%(where)s: the question is empty.") % {"where": here})
        datatype = _text(item.get("datatype")) or Datatype.STRING
        if datatype not in Datatype.values:
            problems.append(
                _("%(where)s: datatype “%(d)s” is not one of %(known)s.")
                % {"where": here, "d": datatype, "known": ", ".join(Datatype.values)}
            )
            continue
        values = item.get("values") or []
        if isinstance(values, list):
            values = [{k: v for k, v in c.items() if k != "__line__"} if isinstance(c, dict) else c for c in values]
        try:
            values = clean_choice_values(values, datatype=datatype)
        except ValidationError as exc:
            problems.append(f"{here}: {' '.join(exc.messages)}")
            values = []
        out.append(
            QuestionEntry(
                code=code,
                question=question,
                question_es=_text(item.get("question_es")),
                datatype=datatype,
                required=_flag(item.get("required"), f"{here}, required", problems, False),
                variable=_flag(item.get("variable"), f"{here}, variable", problems, True),
                values=values,
                description=_text(item.get("description")),
                order=_order(item.get("order"), f"{here}, order", problems),
                given=frozenset(item) & QUESTION_KEYS,
                line=line if isinstance(line, int) else 0,
            )
        )
    return out


def _order(value: Any, where: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        order = int(str(value).strip())
    except ValueError:
        order = -1
    if not 0 <= order <= 32767:
        problems.append(_("%(where)s: “%(v)s” is not a whole number from 0.") % {"where": where, "v": value})
        return None
    return order


def _target(value: Any, where: str, problems: list[str]) -> int | None:
    if value is None or value == "":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        problems.append(_("%(where)s: “%(v)s” is not a whole number of days.") % {"where": where, "v": value})
        return None
    if not 0 < days <= 3650:
        problems.append(_("%(where)s: %(v)s is not between 1 and 3650 days.") % {"where": where, "v": days})
        return None
    return days


def _type_entry(item: dict[str, Any], line: int, where: str, problems: list[str]) -> TypeEntry:
    code = _text(item.get("code"))
    _check_code(code, f"{where}, code", problems)
    name = _text(item.get("name"))
    if not name:
        problems.append(_("%(where)s, name: the name is empty.") % {"where": where})
    for key, limit in (("name", 200), ("name_es", 200), ("group", 100), ("group_es", 100), ("keywords", 300)):
        if len(_text(item.get(key))) > limit:
            problems.append(
                _("%(where)s, %(field)s: longer than %(n)d characters.") % {"where": where, "field": key, "n": limit}
            )
    return TypeEntry(
        line=line,
        code=code,
        name=name,
        name_es=_text(item.get("name_es")),
        department=_text(item.get("department")),
        target_days=_target(item.get("target_days"), f"{where}, target_days", problems),
        target_in_business_days=_flag(
            item.get("target_in_business_days"), f"{where}, target_in_business_days", problems, False
        ),
        group=_text(item.get("group")),
        group_es=_text(item.get("group_es")),
        description=_text(item.get("description")),
        keywords=_text(item.get("keywords")),
        active=_flag(item.get("active"), f"{where}, active", problems, True),
        confidential=_flag(item.get("confidential"), f"{where}, confidential", problems, False),
        questions=_questions(item.get("questions"), f"{where}, questions", problems),
        given=frozenset(item) & TYPE_KEYS,
    )


def _department_entry(item: dict[str, Any], line: int, where: str, problems: list[str]) -> DepartmentEntry:
    code = _text(item.get("code"))
    _check_code(code, f"{where}, code", problems)
    name = _text(item.get("name"))
    if not name:
        problems.append(_("%(where)s, name: the name is empty.") % {"where": where})
    email = _text(item.get("email"))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("%(where)s, email: “%(v)s” is not an email address.") % {"where": where, "v": email})
    return DepartmentEntry(
        line=line,
        code=code,
        name=name,
        email=email,
        active=_flag(item.get("active"), f"{where}, active", problems, True),
        given=frozenset(item) & DEPARTMENT_KEYS,
    )


def _check_whole(catalogue: Catalogue, name: str, problems: list[str]) -> None:
    """What only the whole file shows: codes used twice, departments no one defines."""
    first: dict[str, int] = {}
    for d in catalogue.departments:
        if d.code in first:
            problems.append(
                _("%(file)s, line %(line)d: department “%(code)s” is already defined on line %(first)d.")
                % {"file": name, "line": d.line, "code": d.code, "first": first[d.code]}
            )
        first.setdefault(d.code, d.line)
    seen: dict[str, int] = {}
    for t in catalogue.service_types:
        if t.code in seen:
            problems.append(
                _("%(file)s, line %(line)d: service type “%(code)s” is already defined on line %(first)d.")
                % {"file": name, "line": t.line, "code": t.code, "first": seen[t.code]}
            )
        seen.setdefault(t.code, t.line)


def read_catalogue(text: str, *, name: str = "catalogue", fmt: str = "") -> Catalogue:
    """Read a catalogue file's text (``fmt`` "csv" or "yaml"; by default from ``name``'s ending).

    Raises ``CatalogueFileError`` listing every mistake; nothing is looked up in the database
    here (``catalog_import`` checks the codes against the city's).
    """
    fmt = fmt or ("csv" if name.lower().endswith(".csv") else "yaml")
    problems: list[str] = []
    catalogue = Catalogue()
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        missing = [c for c in ("code", "name") if c not in header]
        unknown = [c for c in header if c not in CSV_COLUMNS]
        if missing or unknown:
            raise CatalogueFileError(
                [
                    _(
                        "%(file)s, line 1: the header must have the columns %(columns)s (missing: %(missing)s; unknown: %(unknown)s)."
                    )
                    % {
                        "file": name,
                        "columns": ", ".join(CSV_COLUMNS),
                        "missing": ", ".join(missing) or "-",
                        "unknown": ", ".join(unknown) or "-",
                    }
                ]
            )
        # A department's fields, from the first row that gives each (a row may leave a cell empty).
        departments: dict[str, dict[str, Any]] = {}
        line = reader.line_num
        for row in reader:
            start, line = line + 1, reader.line_num
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            where = _("%(file)s, line %(line)d") % {"file": name, "line": start}
            if None in row:
                problems.append(_("%(where)s: more values than the header has columns.") % {"where": where})
                continue
            catalogue.service_types.append(_type_entry(row, start, where, problems))
            code = _text(row.get("department"))
            if not code:
                continue
            department = departments.setdefault(code, {"code": code, "__line__": start, "__where__": where})
            for column, key in DEPARTMENT_COLUMNS.items():
                value = _text(row.get(column))
                if not value:
                    continue
                first = department.get(key)
                if first is None:
                    department[key] = value
                    department[f"__{key}_line__"] = start
                elif first.lower() != value.lower() if key == "active" else first != value:
                    problems.append(
                        _(
                            "%(where)s, %(column)s: “%(value)s” differs from “%(first)s” given for %(code)s on line %(line)d."
                        )
                        % {
                            "where": where,
                            "column": column,
                            "value": value,
                            "first": first,
                            "code": code,
                            "line": department[f"__{key}_line__"],
                        }
                    )
        for department in departments.values():
            line, where = department.pop("__line__"), department.pop("__where__")
            item = {k: v for k, v in department.items() if not k.startswith("__")}
            # A column the file has, with every cell of the department empty, says "empty".
            for column, key in DEPARTMENT_COLUMNS.items():
                if column in header and key != "name":
                    item.setdefault(key, "")
            entry = _department_entry({"name": item["code"], **item}, line, where, problems)
            entry.given = frozenset(item) & DEPARTMENT_KEYS
            catalogue.departments.append(entry)
    else:
        try:
            data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as exc:
            raise CatalogueFileError([_("%(file)s: not valid YAML: %(error)s") % {"file": name, "error": exc}]) from exc
        if not isinstance(data, dict):
            raise CatalogueFileError(
                [_("%(file)s: expected departments: and service_types: at the top.") % {"file": name}]
            )
        unknown = sorted(set(data) - {"departments", "service_types", "__line__"})
        if unknown:
            problems.append(
                _("%(file)s: unknown key(s) %(keys)s; the keys are departments and service_types.")
                % {"file": name, "keys": ", ".join(map(str, unknown))}
            )
        sections: tuple[tuple[str, set[str], Any, list[Any]], ...] = (
            ("departments", DEPARTMENT_KEYS, _department_entry, catalogue.departments),
            ("service_types", TYPE_KEYS, _type_entry, catalogue.service_types),
        )
        for section, keys, make, out in sections:
            items = data.get(section) or []
            if not isinstance(items, list):
                problems.append(
                    _("%(file)s, %(section)s: give a list (lines starting with “- ”).")
                    % {"file": name, "section": section}
                )
                continue
            for item in items:
                if not isinstance(item, dict):
                    problems.append(
                        _("%(file)s, %(section)s: each entry needs code: and name:.")
                        % {"file": name, "section": section}
                    )
                    continue
                line = int(item.pop("__line__", 0))
                where = _("%(file)s, line %(line)d") % {"file": name, "line": line}
                extra = sorted(set(item) - keys)
                if extra:
                    problems.append(
                        _("%(where)s: unknown field(s) %(fields)s; the fields are %(known)s.")
                        % {"where": where, "fields": ", ".join(map(str, extra)), "known": ", ".join(sorted(keys))}
                    )
                out.append(make(item, line, where, problems))
    _check_whole(catalogue, name, problems)
    if problems:
        raise CatalogueFileError(problems)
    return catalogue


def write_catalogue(catalogue: Catalogue, *, fmt: str = "yaml") -> str:
    """The catalogue as ``read_catalogue`` reads it back: every field written, empty ones too
    (a field left out would be "not given", and keep what the importing city has)."""

    def question(q: QuestionEntry, position: int) -> dict[str, Any]:
        return {
            "code": q.code,
            "question": q.question,
            "question_es": q.question_es,
            "datatype": q.datatype,
            "required": q.required,
            "variable": q.variable,
            "values": q.values,
            "description": q.description,
            "order": position if q.order is None else q.order,
        }

    def questions(t: TypeEntry) -> list[dict[str, Any]]:
        return [question(q, n) for n, q in enumerate(t.questions, start=1)]

    if fmt == "csv":
        departments = {d.code: d for d in catalogue.departments}
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for t in catalogue.service_types:
            department = departments.get(t.department)
            writer.writerow(
                [
                    t.code,
                    t.name,
                    t.name_es,
                    t.department,
                    department.name if department else "",
                    department.email if department else "",
                    ("yes" if department.active else "no") if department else "",
                    t.target_days or "",
                    "yes" if t.target_in_business_days else "no",
                    t.group,
                    t.group_es,
                    t.description,
                    t.keywords,
                    "yes" if t.active else "no",
                    "yes" if t.confidential else "no",
                    json.dumps(questions(t), ensure_ascii=False) if t.questions else "",
                ]
            )
        return buffer.getvalue()
    data = {
        "departments": [
            {"code": d.code, "name": d.name, "email": d.email, "active": d.active} for d in catalogue.departments
        ],
        "service_types": [
            {
                "code": t.code,
                "name": t.name,
                "name_es": t.name_es,
                "department": t.department,
                "target_days": t.target_days,
                "target_in_business_days": t.target_in_business_days,
                "group": t.group,
                "group_es": t.group_es,
                "description": t.description,
                "keywords": t.keywords,
                "active": t.active,
                "confidential": t.confidential,
                "questions": questions(t),
            }
            for t in catalogue.service_types
        ],
    }
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
