"""A trial's facts (trial.yml `facts`: phase, status, dates, size, sponsor, sites, ages, ...) as
passages the answerer searches like the texts' sentences: one short section per fact, in plain
words, cited to the registry record's field or to the listing they were copied from.

The same for every trial: nothing here names a trial, a disease or a drug. An imported trial's facts
come from its ClinicalTrials.gov record (actions/registry_import.py); a hand-made trial's from its
listing, written into its trial.yml.
"""
from __future__ import annotations

from datetime import date

from actions.knowledge_base import Trial

# Where each fact sits in a ClinicalTrials.gov API v2 record (protocolSection.<module>.<field>):
# the citation of an imported trial's facts.
REGISTRY_FIELDS = {
    "phase": "designModule.phases",
    "status": "statusModule.overallStatus",
    "dates": "statusModule (startDateStruct, completionDateStruct)",
    "enrollment": "designModule.enrollmentInfo",
    "sponsor": "sponsorCollaboratorsModule",
    "officials": "contactsLocationsModule.overallOfficials",
    "sites": "contactsLocationsModule.locations",
    "contacts": "contactsLocationsModule.centralContacts (or resultsSection.moreInfoModule.pointOfContact)",
    "ages": "eligibilityModule (minimumAge, maximumAge)",
    "sex": "eligibilityModule.sex",
    "healthy_volunteers": "eligibilityModule.healthyVolunteers",
    "conditions": "conditionsModule.conditions",
    "keywords": "conditionsModule.keywords",
    "interventions": "armsInterventionsModule.interventions",
    "design": "designModule (studyType, designInfo)",
    "primary_outcomes": "outcomesModule.primaryOutcomes",
}
# Statuses under which a study takes no one (ClinicalTrials.gov's overallStatus, in plain words).
CLOSED_STATUSES = ("completed", "terminated", "withdrawn", "suspended", "active, not recruiting",
                   "enrolling by invitation")
_STATUS_MEANS = {
    "recruiting": "it is looking for participants",
    "not yet recruiting": "it has not started looking for participants yet",
    "active, not recruiting": "it is going on but no longer takes new participants",
    "enrolling by invitation": "it takes only people it invites",
    "completed": "it has ended and takes no new participants",
    "terminated": "it was stopped early and takes no new participants",
    "withdrawn": "it was withdrawn before anyone took part",
    "suspended": "it is paused and takes no new participants for now",
}


def day(value) -> str:
    """'2022-06-05' -> 'June 5, 2022 (2022-06-05)'; '2022-06' -> 'June 2022': in words, and as the
    registry writes it (read the same way in every country)."""
    text = str(value)
    try:
        if len(text) == 7:
            return f"{date.fromisoformat(text + '-01'):%B %Y}"
        parsed = date.fromisoformat(text)
        return f"{parsed:%B} {parsed.day}, {parsed.year} ({text})"
    except ValueError:
        return text


def _typed(when, kind) -> str:
    return f"{day(when)}" + (f" ({kind})" if kind else "")


def _listed(items) -> str:
    items = [str(i) for i in items if i]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _status(value: dict) -> list[str]:
    status = str(value.get("value", "")).lower()
    said = f"Recruitment status: {status}" + (f": {_STATUS_MEANS[status]}" if status in _STATUS_MEANS else "")
    said += f" (as of {day(value['verified'])})." if value.get("verified") else "."
    return [said] + ([f"Why it stopped: {value['why_stopped']}."] if value.get("why_stopped") else [])


def _dates(value: dict) -> list[str]:
    """A sentence per date: the answer to "when did it start?" is the start date alone."""
    lines = []
    if value.get("start"):
        lines.append(f"Start date: {_typed(value['start'], value.get('start_type'))}.")
    if value.get("primary_completion"):
        lines.append(f"Primary completion date: "
                     f"{_typed(value['primary_completion'], value.get('primary_completion_type'))}.")
    if value.get("end"):
        lines.append(f"End date (study completion): {_typed(value['end'], value.get('end_type'))}.")
    if value.get("last_updated"):
        lines.append(f"Last updated: {day(value['last_updated'])}.")
    return lines


def _enrollment(value: dict) -> list[str]:
    count, kind = value.get("count"), str(value.get("type") or "").lower()
    if count is None:
        return []
    if kind == "actual":
        return [f"Number of participants: {count} (actual enrollment)."]
    return [f"Number of participants: {count} planned ({kind or 'planned'} enrollment)."]


def _sponsor(trial: Trial) -> list[str]:
    facts = trial.facts
    lines = [f"Lead sponsor: {facts['sponsor']}."] if facts.get("sponsor") else []
    if facts.get("collaborators"):
        lines.append(f"Collaborators: {_listed(facts['collaborators'])}.")
    return [" ".join(lines)] if lines else []


def _officials(value: list) -> list[str]:
    return [f"{o.get('role', 'Study official')}: {o['name']}" + (f" ({o['affiliation']})" if o.get("affiliation") else "")
            + "." for o in value if o.get("name")]


def _place(site: dict) -> str:
    return ", ".join(str(site[k]) for k in ("facility", "city", "state", "country") if site.get(k))


def _town(site: dict) -> str:
    return ", ".join(str(site[k]) for k in ("city", "state", "country") if site.get(k)) or "an unnamed place"


def _sites(value: list) -> list[str]:
    """A sentence on how many sites and where, then one per site (a question about a city finds its site)."""
    countries = list(dict.fromkeys(s.get("country") for s in value if s.get("country")))
    if len(value) == 1:
        return [f"Site: {_place(value[0])}."]
    # Several: each by its town first, which a question about a place names ("a site in Ohio?").
    lines = [f"Study sites: {len(value)}, in {_listed(countries)}."]
    for site in value:
        status = f" (site status: {site['status']})" if site.get("status") else ""
        lines.append(f"Study site in {_town(site)}: {site.get('facility', 'the study centre')}{status}.")
    return lines


def _contacts(value: list) -> list[str]:
    return [f"Contact: {c['name']}" + "".join(f", {k} {c[k]}" for k in ("phone", "email") if c.get(k)) + "."
            for c in value if c.get("name")]


def _ages(value: dict) -> list[str]:
    low, high = value.get("min"), value.get("max")
    if low and high:
        return [f"Age limits: from {low} to {high}."]
    if low:
        return [f"Age limits: {low} or older (no upper age limit given)."]
    if high:
        return [f"Age limits: up to {high} (no lower age limit given)."]
    return []


def _sex(value: str) -> list[str]:
    value = str(value).lower()
    if value in ("all", "both"):
        return ["Sex: all (both men and women)."]
    return [f"Sex: {value} only ({'women' if value == 'female' else 'men'} only)."]


def _healthy(trial: Trial) -> list[str]:
    if trial.facts["healthy_volunteers"] is True:
        return ["Healthy volunteers: accepted (taking part without the condition is possible)."]
    conditions = trial.facts.get("conditions")
    return ["Healthy volunteers: not accepted: only patients with "
            + (f"{_listed(conditions)} can take part." if conditions else "the condition studied can take part.")]


def _interventions(value: list) -> list[str]:
    lines = []
    for item in value:
        said = f"{item.get('type', 'Treatment')}: {item['name']}"
        if item.get("other_names"):
            said += f" (also called {_listed(item['other_names'])})"
        lines.append(said + ".")
        if item.get("description"):
            lines.append(str(item["description"]).rstrip(".") + ".")
    return lines


# What a design's terms mean for a participant (ClinicalTrials.gov's allocation and masking values).
_ALLOCATION_MEANS = {"randomized": "chance decides who is in which group; participants do not choose",
                     "non-randomized": "people are not put in groups by chance"}
_OPEN_LABEL = "everyone, participants and doctors, knows which treatment is given"


def _design(value: dict) -> list[str]:
    # The type of study is said within the design: alone, "Type of study: interventional." read as
    # the answer to "what is this study about?".
    parts = [f"type: {value['type']}"] if value.get("type") else []
    if value.get("allocation"):
        means = _ALLOCATION_MEANS.get(str(value["allocation"]).lower())
        parts.append(f"allocation: {value['allocation']}" + (f" ({means})" if means else ""))
    if value.get("masking"):
        if value.get("who_masked"):
            who = f" ({_listed(value['who_masked'])} do not know who gets which treatment)"
        else:
            who = f" ({_OPEN_LABEL})" if "open label" in str(value["masking"]).lower() else ""
        parts.append(f"masking (blinding): {value['masking']}{who}")
    if value.get("model"):
        parts.append(f"model: {value['model']}")
    if value.get("purpose"):
        parts.append(f"primary purpose: {value['purpose']}")
    return [f"Study design: {'; '.join(parts)}."] if parts else []


def _outcomes(value: list) -> list[str]:
    return [f"Main outcome measured: {o['measure']}" + (f" (time frame: {o['time_frame']})" if o.get("time_frame") else "")
            + "." for o in value if o.get("measure")]


# (fact key, section key of knowledge/section_questions.yml, title, sentences): in the order shown.
_FACTS = (
    ("status", "status", "Recruitment status", _status),
    ("phase", "phase", "Phase", lambda v: [f"Phase: {v}."]),
    ("design", "randomisation", "Study design (randomisation, blinding)", _design),
    ("dates", "dates", "Dates", _dates),
    ("enrollment", "enrollment", "Number of participants", _enrollment),
    ("sponsor", "sponsor", "Sponsor and collaborators", _sponsor),
    ("officials", "team", "Study officials", _officials),
    ("sites", "sites", "Sites", _sites),
    ("contacts", "contacts", "Contacts", _contacts),
    ("ages", "ages", "Age limits", _ages),
    ("sex", "sex", "Sex", _sex),
    ("healthy_volunteers", "healthy_volunteers", "Healthy volunteers", _healthy),
    ("conditions", "conditions", "Conditions studied", lambda v: [f"Conditions studied: {_listed(v)}."]),
    ("keywords", "keywords", "Keywords", lambda v: [f"Keywords: {_listed(v)}."]),
    ("interventions", "interventions", "Treatments (interventions)", _interventions),
    ("primary_outcomes", "outcomes", "Main outcome measured", _outcomes),
)


# Facts said with others of the trial's (the sponsor with its collaborators, healthy volunteers with
# the conditions studied): rendered from the whole trial, not from their value alone.
_WHOLE_TRIAL = ("sponsor", "healthy_volunteers")


def fact_sections(trial: Trial) -> list[tuple[str, str, str, list[str]]]:
    """(fact key, section key, title, sentences) for each fact the trial states."""
    sections = []
    for fact, key, title, render in _FACTS:
        value = trial.facts.get(fact)
        if value in (None, "", [], {}):
            continue
        sentences = render(trial) if fact in _WHOLE_TRIAL else render(value)
        if sentences:
            sections.append((fact, key, title, sentences))
    return sections


def overview(trial: Trial) -> list[str]:
    """What tells one trial from another at a glance (the list of trials): its phase, site(s) and
    stated status, as their sections say them."""
    said = {fact: sentences for fact, _, _, sentences in fact_sections(trial)}
    return [said[fact][0] for fact in ("phase", "sites", "status") if fact in said]


def registry_citation(trial: Trial, fact: str) -> str:
    """Where an imported trial's fact comes from: its record's field ('' for a hand-made trial, whose
    facts are cited like the listing's sections)."""
    return f"ClinicalTrials.gov record {trial.registry_id}, field {REGISTRY_FIELDS[fact]}" if trial.registry_id else ""


def site_summary(trial: Trial) -> str:
    """'Northwestern University, Chicago, Illinois, United States'; 'N sites in ...' for several."""
    sites = trial.facts.get("sites") or []
    return _place(sites[0]) if len(sites) == 1 else f"{len(sites)} sites" if sites else ""


def status_of(trial: Trial) -> str | None:
    """The recruitment status in plain words ("recruiting", "completed"), when stated."""
    status = trial.facts.get("status")
    return str(status.get("value")).lower() if isinstance(status, dict) and status.get("value") else None


def status_sentence(trial: Trial) -> str:
    """'The NCT… study (…) is completed on ClinicalTrials.gov: it has ended and takes no new participants.'"""
    status = status_of(trial)
    if not status:
        return ""
    where = "on ClinicalTrials.gov" if trial.registry_id else "in its listing"
    return f"The {trial.label} is {status} {where}" + (f": {_STATUS_MEANS[status]}." if status in _STATUS_MEANS else ".")


def closed(trial: Trial) -> bool:
    """Whether the trial's stated status says it takes no new participants."""
    return status_of(trial) in CLOSED_STATUSES
