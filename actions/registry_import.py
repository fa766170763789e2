"""make import: a ClinicalTrials.gov record (API v2 single-study JSON) becomes knowledge/<nct id>/.

Writes the listing text (description, study groups, treatments, outcomes, eligibility) as titled
sections, trial.yml with the record's facts and the site settings of its countries
(knowledge/countries.yml), a draft criteria.yml whose every criterion awaits a coordinator's review
(the pre-screen stays off until then) and an empty team_answers.yml. Importing again shows what
changed and keeps the team's answers and the criteria already reviewed. A malformed record is an
error naming the field; the folder is written whole or not at all.

    python -m actions.registry_import path/to/NCT01234567.json [--knowledge DIR]
    python -m actions.registry_import --fetch NCT01234567      # from the registry's API (never at run time)
"""
from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import sys
import tempfile
import urllib.request
from datetime import date
from pathlib import Path

import yaml

from actions.eligibility import CRITERIA_FILE, REVIEW_NEEDED
from actions.knowledge_base import KNOWLEDGE_DIR, TEAM_ANSWERS_FILE, TRIAL_FILE, KnowledgeError

COUNTRIES_FILE = "countries.yml"
LISTING_FILE = "listing.txt"
API_URL = "https://clinicaltrials.gov/api/v2/studies/{}"
_NCT_ID = re.compile(r"NCT\d{8}")
# Registry codes in plain words (designModule, statusModule, eligibilityModule).
_PHASES = {"EARLY_PHASE1": "Early Phase 1", "PHASE1": "Phase 1", "PHASE2": "Phase 2", "PHASE3": "Phase 3",
           "PHASE4": "Phase 4", "NA": "Not applicable (phases are used for drug trials)"}
_ARM_TYPES = {"EXPERIMENTAL": "experimental", "ACTIVE_COMPARATOR": "active comparator",
              "PLACEBO_COMPARATOR": "placebo comparator", "SHAM_COMPARATOR": "sham comparator",
              "NO_INTERVENTION": "no intervention", "OTHER": "other"}
_MASKING = {"NONE": "none (open label)", "SINGLE": "single blind", "DOUBLE": "double blind",
            "TRIPLE": "triple blind", "QUADRUPLE": "quadruple blind"}
# The listing's section headings: a line of its own, which no record's text holds.
_HEADING = "## {}"
_CRITERIA_HEADING = re.compile(r"^\W*(inclusion|exclusion)(\s+criteria)?\W*$", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[*\-•·]|\d{1,2}[.)]|[a-z][.)])\s+")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=|~^])")
# "the study.Patients were": a sentence that ends without its space (the sentences are the passages).
_RUN_ON = re.compile(r"(?<=[a-z)]{2})([.;])(?=[A-Z][a-z])")


class RecordError(KnowledgeError):
    """The record cannot be imported; the message names the field."""


def plain(code) -> str:
    """'ACTIVE_NOT_RECRUITING' -> 'active, not recruiting'; 'INTERVENTIONAL' -> 'interventional'."""
    text = str(code).lower().replace("_", " ")
    return "active, not recruiting" if text == "active not recruiting" else text


def repaired(text: str) -> str:
    """Registry text as written: markdown escapes undone, and words read twice through the wrong
    encoding mended ("â‰¥50kg" -> "≥50kg", "0.5Ã—109/L" -> "0.5×109/L"); a word that is not such a
    misreading is kept as it is."""
    def mend(word: str) -> str:
        try:
            return word.encode("cp1252").decode("utf-8") if any(ord(c) > 127 for c in word) else word
        except UnicodeError:
            return word
    text = _RUN_ON.sub(r"\1 ", _MARKDOWN_ESCAPE.sub(r"\1", str(text)).replace("**", ""))
    return "\n".join(" ".join(mend(w) for w in line.split(" ")) for line in text.splitlines()).strip()


class Record:
    """Typed access to a record's fields: a missing required field or a field of the wrong shape is an
    error that names it (protocolSection.designModule.phases)."""

    def __init__(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("protocolSection"), dict):
            raise RecordError("not a ClinicalTrials.gov API v2 study: no 'protocolSection' object")
        self.data = data

    def get(self, path: str, kind: type | tuple = object, required: bool = False, default=None):
        value = self.data
        for part in path.split("."):
            if not isinstance(value, dict):
                raise RecordError(f"field {path}: expected an object at '{part}', found {type(value).__name__}")
            value = value.get(part)
            if value is None:
                if required:
                    raise RecordError(f"field {path} is missing")
                return default
        if not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise RecordError(f"field {path}: expected {names}, found {type(value).__name__}")
        return value

    def items(self, path: str) -> list[dict]:
        """A list of objects (arms, interventions, locations); each must be an object."""
        values = self.get(path, list, default=[])
        for n, value in enumerate(values):
            if not isinstance(value, dict):
                raise RecordError(f"field {path}[{n}]: expected an object, found {type(value).__name__}")
        return values

    def text(self, path: str, required: bool = False) -> str:
        value = self.get(path, (str, int, float), required)
        return repaired(value) if value is not None else ""


def _age_years(age: str, field: str) -> float:
    """'18 Years' -> 18; '6 Months' -> 0.5; '2 Weeks' -> 0.04 (the pre-screen asks in years)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(year|month|week|day)s?\s*", age, re.IGNORECASE)
    if not match:
        raise RecordError(f"field {field}: cannot read the age {age!r}")
    per_year = {"year": 1, "month": 12, "week": 52, "day": 365}[match.group(2).lower()]
    years = round(float(match.group(1)) / per_year, 2)
    return int(years) if years.is_integer() else years


def eligibility_items(criteria: str) -> dict[str, list[str]]:
    """Each bullet of the eligibility text under its heading: inclusion, exclusion, or (text without
    those headings) eligibility. A line that is no bullet continues the bullet before it."""
    items: dict[str, list[str]] = {}
    part = "eligibility"
    for raw in repaired(criteria).splitlines():
        line = raw.strip()
        if not line:
            continue
        heading = _CRITERIA_HEADING.match(line)
        if heading:
            part = heading.group(1).lower()
            continue
        bullet = _BULLET.match(raw)
        text = raw[bullet.end():].strip() if bullet else line
        if not text:
            continue
        current = items.setdefault(part, [])
        if bullet or not current:
            current.append(text)
        else:
            current[-1] += " " + text
    return items


def _listing(record: Record, eligibility: dict[str, list[str]]) -> tuple[str, list[dict]]:
    """The listing text and its sections for trial.yml (key, title, heading)."""
    p = "protocolSection."
    sections: list[tuple[str, str, list[str], bool]] = []  # (key, title, lines, one passage per line)

    def add(key: str, title: str, lines: list[str], is_list: bool = False) -> None:
        lines = [line for line in lines if line]
        if lines:
            sections.append((key, title, lines, is_list))

    summary = record.text(p + "descriptionModule.briefSummary")
    add("purpose", "Brief summary", summary.splitlines())
    # A detailed description often repeats the summary first: said once.
    details = record.text(p + "descriptionModule.detailedDescription")
    add("details", "Detailed description", (details.removeprefix(summary) if summary else details).strip().splitlines())
    add("arms", "Study groups (arms)", [
        f"{repaired(a.get('label', 'Group'))} ({_ARM_TYPES.get(a.get('type'), plain(a.get('type', 'other')))}): "
        f"{repaired(a.get('description', ''))}".rstrip(": ") for a in record.items(p + "armsInterventionsModule.armGroups")], True)
    add("interventions", "Treatments (interventions)", [
        f"{plain(i.get('type', 'treatment')).capitalize()}: {repaired(i.get('name', ''))}"
        + (f" - {repaired(i['description'])}" if i.get("description") else "")
        for i in record.items(p + "armsInterventionsModule.interventions")], True)
    for kind in ("primary", "secondary"):
        add("outcomes", f"{kind.capitalize()} outcomes measured", [
            repaired(o.get("measure", "")) + (f" (time frame: {repaired(o['timeFrame'])})" if o.get("timeFrame") else "")
            + (f": {repaired(o['description'])}" if o.get("description") else "")
            for o in record.items(p + f"outcomesModule.{kind}Outcomes")], True)
    add("results", "Results posted on ClinicalTrials.gov", _results(record), True)
    add("safety", "Side effects reported (adverse events)", _adverse_events(record), True)
    titles = {"inclusion": "Inclusion criteria", "exclusion": "Exclusion criteria", "eligibility": "Eligibility criteria"}
    for part, lines in eligibility.items():
        add(part, titles[part], lines, True)
    title = record.text(p + "identificationModule.briefTitle", required=True)
    text = [title, ""]
    specs = [{"skip": True, "start": title}]
    for key, name, lines, is_list in sections:
        heading = _HEADING.format(name)
        if any(heading in line for _, _, other, _ in sections for line in other):
            raise RecordError(f"the record's text holds the line {heading!r}, which the listing uses as a heading")
        text += [heading, *lines, ""]
        specs.append({"key": key, "title": name, "heading": True, "start": heading, **({"list": True} if is_list else {})})
    return "\n".join(text), specs


def _results(record: Record) -> list[str]:
    """Each primary outcome's posted result, group by group ("40 of 92 participants")."""
    lines = []
    for n, measure in enumerate(record.items("resultsSection.outcomeMeasuresModule.outcomeMeasures")):
        if measure.get("type") != "PRIMARY":
            continue
        groups = {g.get("id"): repaired(g.get("title", "")) for g in measure.get("groups", []) if isinstance(g, dict)}
        denominators = {c.get("groupId"): c.get("value") for d in measure.get("denoms", [])[:1] for c in d.get("counts", [])}
        values = [m for c in measure.get("classes", []) for cat in c.get("categories", []) for m in cat.get("measurements", [])]
        unit = repaired(measure.get("unitOfMeasure", "")).lower()
        said = []
        for m in values:
            if not isinstance(m, dict) or m.get("groupId") not in groups or m.get("value") in (None, "", "NA"):
                continue
            of = f" of {denominators[m['groupId']]}" if measure.get("paramType") == "COUNT_OF_PARTICIPANTS" and denominators.get(m["groupId"]) else ""
            said.append(f"{groups[m['groupId']]}: {m['value']}{of} {unit}".rstrip())
        if said:
            frame = f" ({repaired(measure['timeFrame'])})" if measure.get("timeFrame") else ""
            lines.append(f"{repaired(measure.get('title', 'Primary outcome'))}{frame}: " + "; ".join(said) + ".")
    return lines


def _adverse_events(record: Record) -> list[str]:
    """Serious adverse events by group, and the commonest others (the five most people had)."""
    module = "resultsSection.adverseEventsModule"
    groups = {g.get("id"): g for g in record.items(f"{module}.eventGroups")}
    if not groups:
        return []
    lines = ["Serious adverse events: " + "; ".join(
        f"{repaired(g.get('title', 'group'))}: {g.get('seriousNumAffected', 0)} of {g.get('seriousNumAtRisk', '?')}"
        for g in groups.values()) + "."]
    serious = [repaired(e.get("term", "")) for e in record.items(f"{module}.seriousEvents") if e.get("term")]
    if serious:
        lines.append(f"Serious adverse events reported: {', '.join(dict.fromkeys(serious))}.")
    others = sorted(record.items(f"{module}.otherEvents"),
                    key=lambda e: -sum(s.get("numAffected", 0) for s in e.get("stats", []) if isinstance(s, dict)))
    common = [f"{repaired(e['term'])} (" + ", ".join(
        f"{s.get('numAffected', 0)} of {s.get('numAtRisk', '?')} in {repaired(groups[s['groupId']].get('title', 'a group'))}"
        for s in e.get("stats", []) if isinstance(s, dict) and s.get("groupId") in groups) + ")"
        for e in others[:5] if e.get("term")]
    if common:
        lines.append("Most common other adverse events: " + "; ".join(common) + ".")
    return lines


def _site_settings(record: Record, countries: dict, no_sites: dict) -> tuple[list[dict], str | None]:
    """The settings of each country the sites are in (most sites first); a note when there are none."""
    locations = record.items("protocolSection.contactsLocationsModule.locations")
    if not locations:
        return [no_sites], "The record lists no sites: the emergency advice is general (no country's numbers)."
    named = [loc.get("country") for loc in locations]
    if not all(isinstance(c, str) and c for c in named):
        raise RecordError("field protocolSection.contactsLocationsModule.locations: a location has no country")
    by_count = sorted(dict.fromkeys(named), key=named.count, reverse=True)
    missing = [c for c in by_count if c not in countries]
    if missing:
        raise RecordError(f"no emergency numbers for {', '.join(missing)}: add {'it' if len(missing) == 1 else 'them'} "
                          f"to knowledge/{COUNTRIES_FILE} and import again")
    return [countries[c] for c in by_count], None


def _contact(record: Record, nct_id: str) -> str:
    people = record.items("protocolSection.contactsLocationsModule.centralContacts") or [
        c for loc in record.items("protocolSection.contactsLocationsModule.locations") for c in loc.get("contacts", [])
        if isinstance(c, dict)]
    said = ["{}{}".format(repaired(c["name"]), "".join(f", {k} {c[k]}" for k in ("phone", "email") if c.get(k)))
            for c in people[:2] if c.get("name") and (c.get("phone") or c.get("email"))]
    if said:
        return "The registry record names these contacts: " + "; ".join(said) + "."
    results = _results_contact(record)
    if results:
        return (f"The registry record names a contact for its results: {results['name']}"
                + (f" ({results['organization']})" if results.get("organization") else "")
                + "".join(f", {k} {results[k]}" for k in ("phone", "email") if results.get(k)) + ".")
    return (f"The registry record gives no contact details. Your doctor can help you reach the study team; "
            f"the study is {nct_id} on ClinicalTrials.gov.")


def _results_contact(record: Record) -> dict:
    """The results' point of contact (resultsSection.moreInfoModule.pointOfContact), if the record has one."""
    point = record.get("resultsSection.moreInfoModule.pointOfContact", dict, default={})
    contact = {"name": repaired(point["title"])} if point.get("title") else {}
    return {**contact, **{k: repaired(point[k]) for k in ("organization", "phone", "email") if point.get(k)}} if contact else {}


def _facts(record: Record) -> dict:
    p = "protocolSection."
    facts: dict = {}
    phases = record.get(p + "designModule.phases", list, default=[])
    if phases:
        facts["phase"] = " / ".join(_PHASES.get(ph, plain(ph)) for ph in phases)
    status = {"value": plain(record.get(p + "statusModule.overallStatus", str, required=True))}
    if record.get(p + "statusModule.statusVerifiedDate", str):
        status["verified"] = record.get(p + "statusModule.statusVerifiedDate", str)
    if record.get(p + "statusModule.whyStopped", str):
        status["why_stopped"] = record.text(p + "statusModule.whyStopped")
    facts["status"] = status
    dates = {}
    for name, field in (("start", "startDateStruct"), ("primary_completion", "primaryCompletionDateStruct"),
                        ("end", "completionDateStruct")):
        struct = record.get(p + f"statusModule.{field}", dict, default={})
        if struct.get("date"):
            dates[name] = str(struct["date"])
            if struct.get("type"):
                dates[f"{name}_type"] = "anticipated" if struct["type"] in ("ESTIMATED", "ANTICIPATED") else plain(struct["type"])
    last = record.get(p + "statusModule.lastUpdatePostDateStruct", dict, default={})
    if last.get("date"):
        dates["last_updated"] = str(last["date"])
    if dates:
        facts["dates"] = dates
    enrollment = record.get(p + "designModule.enrollmentInfo", dict, default={})
    if enrollment.get("count") is not None:
        facts["enrollment"] = {"count": enrollment["count"],
                               "type": "anticipated" if enrollment.get("type") in ("ESTIMATED", "ANTICIPATED")
                               else plain(enrollment.get("type", "planned"))}
    facts["sponsor"] = record.text(p + "sponsorCollaboratorsModule.leadSponsor.name", required=True)
    collaborators = [repaired(c["name"]) for c in record.items(p + "sponsorCollaboratorsModule.collaborators") if c.get("name")]
    if collaborators:
        facts["collaborators"] = collaborators
    officials = [{"name": repaired(o["name"]), "role": plain(o.get("role", "study official")).capitalize(),
                  **({"affiliation": repaired(o["affiliation"])} if o.get("affiliation") else {})}
                 for o in record.items(p + "contactsLocationsModule.overallOfficials") if o.get("name")]
    if officials:
        facts["officials"] = officials
    sites = [{k: repaired(loc[k]) if k != "status" else plain(loc[k]) for k in ("facility", "city", "state", "country", "status")
              if loc.get(k)} for loc in record.items(p + "contactsLocationsModule.locations")]
    if sites:
        facts["sites"] = sites
    contacts = [{k: repaired(c[k]) for k in ("name", "phone", "email") if c.get(k)}
                for c in record.items(p + "contactsLocationsModule.centralContacts") if c.get("name")] or \
        [{"name": f"{c['name']} (contact for the results)", **{k: c[k] for k in ("phone", "email") if k in c}}
         for c in [_results_contact(record)] if c]
    if contacts:
        facts["contacts"] = contacts
    ages = {k: record.text(p + f"eligibilityModule.{field}") for k, field in (("min", "minimumAge"), ("max", "maximumAge"))
            if record.get(p + f"eligibilityModule.{field}", str)}
    if ages:
        facts["ages"] = {k: v.lower() for k, v in ages.items()}
    if record.get(p + "eligibilityModule.sex", str):
        facts["sex"] = plain(record.get(p + "eligibilityModule.sex", str))
    healthy = record.get(p + "eligibilityModule.healthyVolunteers", bool)
    if healthy is not None:
        facts["healthy_volunteers"] = healthy
    for key in ("conditions", "keywords"):
        values = [repaired(v) for v in record.get(p + f"conditionsModule.{key}", list, default=[]) if isinstance(v, str)]
        if values:
            facts[key] = values
    interventions = [{"type": plain(i.get("type", "treatment")).capitalize(), "name": repaired(i.get("name", "")),
                      **({"other_names": [repaired(n) for n in i["otherNames"]]} if i.get("otherNames") else {})}
                     for i in record.items(p + "armsInterventionsModule.interventions") if i.get("name")]
    if interventions:
        facts["interventions"] = interventions
    info = record.get(p + "designModule.designInfo", dict, default={})
    design = {}
    if record.get(p + "designModule.studyType", str):
        design["type"] = plain(record.get(p + "designModule.studyType", str))
    if info.get("allocation"):
        design["allocation"] = plain(info["allocation"])
    masking = (info.get("maskingInfo") or {}) if isinstance(info.get("maskingInfo"), dict) else {}
    if masking.get("masking"):
        design["masking"] = _MASKING.get(masking["masking"], plain(masking["masking"]))
        if masking.get("whoMasked"):
            design["who_masked"] = [plain(w) + "s" for w in masking["whoMasked"]]
    if info.get("interventionModel"):
        design["model"] = plain(info["interventionModel"]) + " groups" if info["interventionModel"] == "PARALLEL" \
            else plain(info["interventionModel"])
    if info.get("primaryPurpose"):
        design["purpose"] = plain(info["primaryPurpose"])
    if design:
        facts["design"] = design
    outcomes = [{"measure": repaired(o["measure"]), **({"time_frame": repaired(o["timeFrame"])} if o.get("timeFrame") else {})}
                for o in record.items(p + "outcomesModule.primaryOutcomes") if o.get("measure")]
    if outcomes:
        facts["primary_outcomes"] = outcomes
    return facts


def _age_criterion(record: Record) -> dict | None:
    field = "protocolSection.eligibilityModule"
    low, high = (record.get(f"{field}.{f}", str) for f in ("minimumAge", "maximumAge"))
    if not (low or high):
        return None
    rule = {**({"min": _age_years(low, f"{field}.minimumAge")} if low else {}),
            **({"max": _age_years(high, f"{field}.maximumAge")} if high else {})}
    limits = f"from {low.lower()} to {high.lower()}" if low and high else f"{low.lower()} or older" if low else f"up to {high.lower()}"
    return {"key": "age", "kind": "inclusion", "review": REVIEW_NEEDED,
            "question": "How old is the person who would take part?",
            "asked_of": {"you": "How old are you?", "someone": "How old is {person}?"},
            "answer_type": "number", "unit": "years", "rule": rule,
            "why": f"The study takes people aged {limits}.", "source": f"Age limits: {limits}."}


def draft_criteria(record: Record, eligibility: dict[str, list[str]]) -> list[dict]:
    """One yes/no criterion per eligibility bullet (inclusion: yes meets it; exclusion: yes rules
    out), and the age limits as a number; every one marked for review."""
    criteria = [c for c in [_age_criterion(record)] if c]
    for part, lines in eligibility.items():
        kind = "exclusion" if part == "exclusion" else "inclusion"
        for n, line in enumerate(lines, 1):
            quoted = f"“{line}”"
            criteria.append({
                "key": f"{part}_{n}", "kind": kind, "review": REVIEW_NEEDED,
                "question": f"Does this apply to the person who would take part: {quoted}?",
                "asked_of": {"you": f"Does this apply to you: {quoted}?",
                             "someone": f"Does this apply to {{person}}: {quoted}?"},
                "answer_type": "yes_no", "rule": {"equals": "no" if kind == "exclusion" else "yes"},
                "why": f"It is one of the study's {kind} criteria.", "source": line})
    return criteria


def _yaml(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def _merged_criteria(new: list[dict], old_path: Path) -> tuple[list[dict], list[str]]:
    """The new drafts, with every criterion a coordinator has reviewed kept as reviewed (in place of
    the draft of the same key); notes on reviewed criteria whose text the record no longer holds."""
    if not old_path.is_file():
        return new, []
    old = (yaml.safe_load(old_path.read_text(encoding="utf-8")) or {}).get("criteria") or []
    reviewed = {c["key"]: c for c in old if isinstance(c, dict) and c.get("review") != REVIEW_NEEDED}
    sources = {c["source"] for c in new}
    notes = [f"reviewed criterion {key!r} kept; the record no longer says “{c.get('source')}”"
             for key, c in reviewed.items() if c.get("checked_by") is None and c.get("source") not in sources
             and key != "age"]
    merged = [reviewed.pop(c["key"], c) for c in new] + list(reviewed.values())
    return merged, notes


def import_record(data: dict, knowledge_dir: Path = KNOWLEDGE_DIR, today: date | None = None) -> tuple[Path, list[str]]:
    """Writes knowledge/<nct id>/ from the record; returns the folder and what to tell the user
    (what changed on a re-import, notes)."""
    record = Record(data)
    nct_id = record.text("protocolSection.identificationModule.nctId", required=True)
    if not _NCT_ID.fullmatch(nct_id):
        raise RecordError(f"field protocolSection.identificationModule.nctId: {nct_id!r} is not an NCT number")
    table = yaml.safe_load((knowledge_dir / COUNTRIES_FILE).read_text(encoding="utf-8"))
    eligibility = eligibility_items(record.text("protocolSection.eligibilityModule.eligibilityCriteria"))
    listing, sections = _listing(record, eligibility)
    facts = _facts(record)
    settings, settings_note = _site_settings(record, table["countries"], table["no_sites"])
    acronym = record.text("protocolSection.identificationModule.acronym")
    trial = {
        "id": nct_id,
        "title": record.text("protocolSection.identificationModule.briefTitle", required=True),
        "label": f"{nct_id} study ({facts['sponsor']})",
        "names": [nct_id] + ([acronym] if acronym else []),
        "registry": {"nct_id": nct_id, "imported_on": (today or date.today()).isoformat(),
                     "last_updated": facts.get("dates", {}).get("last_updated")},
        "contact": _contact(record, nct_id),
        "facts": facts,
        "site_settings": settings[0] if len(settings) == 1 else settings,
        "sources": [{"file": LISTING_FILE, "sections": sections}],
    }
    folder = knowledge_dir / nct_id.lower()
    criteria, notes = _merged_criteria(draft_criteria(record, eligibility), folder / CRITERIA_FILE)
    files = {
        TRIAL_FILE: f"# Imported from ClinicalTrials.gov record {nct_id} by make import: edit the record "
                    f"and import again rather than this file.\n" + _yaml(trial),
        LISTING_FILE: listing + "\n",
        CRITERIA_FILE: (f"# Draft pre-screen from the record's eligibility criteria. The pre-screen of this trial is "
                        f"off (the assistant gives\n# the study team's contact) while any criterion says "
                        f"`review: {REVIEW_NEEDED}`: check each one's question, answer type\n# and rule, rewrite it "
                        f"in plain words, then delete that line. Fields: knowledge/nct03582800/criteria.yml.\n")
                       + _yaml({"trial": nct_id, "criteria": criteria}),
    }
    told = ([settings_note] if settings_note else []) + notes
    told += _changes(folder, files)
    _write_whole(folder, files)
    return folder, told


def _changes(folder: Path, files: dict[str, str]) -> list[str]:
    """What a re-import changes, file by file (a unified diff of at most 40 lines each)."""
    if not folder.exists():
        return [f"new trial folder {folder}"]
    told = []
    for name, text in files.items():
        old = (folder / name).read_text(encoding="utf-8") if (folder / name).is_file() else ""
        diff = list(difflib.unified_diff(old.splitlines(), text.splitlines(), f"{name} (before)", f"{name} (now)", lineterm="", n=0))
        if diff:
            told.append("\n".join(diff[:40] + ([f"... {len(diff) - 40} more lines"] if len(diff) > 40 else [])))
    return told or ["nothing changed"]


def _write_whole(folder: Path, files: dict[str, str]) -> None:
    """The new folder is written beside the old one (a dot-folder, never served), then swapped in:
    an error leaves the old folder as it was. The team's answers are kept (an empty file if none)."""
    staging = Path(tempfile.mkdtemp(prefix=f".import-{folder.name}-", dir=folder.parent))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        answers = folder / TEAM_ANSWERS_FILE
        if answers.is_file():
            shutil.copy2(answers, staging / TEAM_ANSWERS_FILE)
        else:
            (staging / TEAM_ANSWERS_FILE).write_text(
                "# Questions the record leaves open, answered by the study team (see knowledge/stsinj/team_answers.yml).\n"
                "answers: []\n", encoding="utf-8")
        _check_loads(staging)
        if folder.exists():
            retired = folder.with_name(f".retired-{folder.name}")
            shutil.rmtree(retired, ignore_errors=True)
            folder.rename(retired)
            staging.rename(folder)
            shutil.rmtree(retired)
        else:
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_loads(folder: Path) -> None:
    """What was written loads as a trial and splits into passages (else nothing is swapped in)."""
    from actions.eligibility import load_criteria
    from actions.ingest import split_trial
    from actions.knowledge_base import load_trial

    trial = load_trial(folder)
    load_criteria(trial)
    split_trial(trial, folder.parent)


def read_record(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise RecordError(f"{path}: cannot read it ({error.strerror})") from None
    except ValueError as error:
        raise RecordError(f"{path}: not JSON ({error})") from None


def fetch_record(nct_id: str) -> dict:
    """The record from the registry's API: only when asked for (make import NCT=...), never at run time."""
    if not _NCT_ID.fullmatch(nct_id):
        raise RecordError(f"{nct_id!r} is not an NCT number")
    with urllib.request.urlopen(API_URL.format(nct_id), timeout=30) as response:
        return json.loads(response.read().decode("utf-8"))


def knowledge_with_imports(records: list[Path], folder: Path, knowledge_dir: Path = KNOWLEDGE_DIR) -> Path:
    """A copy of knowledge/ in `folder` with these records imported (make eval's and the tests' registry trials)."""
    shutil.copytree(knowledge_dir, folder, ignore=shutil.ignore_patterns(".*"))
    for path in records:
        import_record(read_record(path), folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="the record (API v2 single-study JSON)")
    parser.add_argument("--fetch", metavar="NCT_ID", help="download the record from ClinicalTrials.gov instead")
    parser.add_argument("--knowledge", type=Path, default=KNOWLEDGE_DIR)
    args = parser.parse_args(argv)
    if bool(args.file) == bool(args.fetch):
        parser.error("give a record file or --fetch NCT_ID (one of them)")
    try:
        data = fetch_record(args.fetch) if args.fetch else read_record(args.file)
        folder, told = import_record(data, args.knowledge)
    except KnowledgeError as error:
        print(f"import failed, nothing written: {error}", file=sys.stderr)
        return 2
    print("\n".join(told))
    print(f"imported into {folder}; its pre-screen is off until its criteria are reviewed ({folder / CRITERIA_FILE}). "
          f"`make run` rebuilds the index.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
