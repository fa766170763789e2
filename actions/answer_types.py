"""What kind of fact a question asks for, and whether a sentence holds one.

"How many injections?" asks for a number; a sentence on the topic that holds no number does not
answer it, however close in meaning ("Intralesional Injection of STS"). Questions that ask for no
particular kind of fact (yes/no, what, why) are not checked here.
"""
from __future__ import annotations

import re

# "one" and "single" are left out: "one of these conditions" is no count.
_NUMBER_WORDS = r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twice|dozen|hundred"
_MONTHS = r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(tember)?|oct(ober)?|nov(ember)?|dec(ember)?"
_TIME_UNITS = r"days?|weeks?|months?|years?|hours?|minutes?"

# (kind, question pattern), first match wins: "who is paying" asks for a person or body, not a price.
_QUESTION_KINDS = [
    # "who can take part / is it for" asks for criteria, not a person.
    ("person", re.compile(r"\bwho(?!\s+(can|could|may|might|is eligible|qualif|is (this|it) for|are (they|you) looking))"
                          r"(\s+is|'s|\s+are|\s+does|\s+do|\s+runs?|\s+leads?|\s+pays?|\s+should|\s+will|\s+would|\s+to)?\b", re.I)),
    ("address", re.compile(r"\b(address|street|parking|park the car|directions|how do i get there)\b", re.I)),
    ("place", re.compile(r"\bwhere\b(?!.*\b(sign|apply|find out|learn)\b)", re.I)),
    ("cost", re.compile(r"\b(cost|costs|price|fee|fees|paid|pay|payment|compensat\w*|reimburs\w*|expenses?|money|"
                        r"how much (will|do|would|does) (i|we|it|they))\b", re.I)),
    ("duration", re.compile(r"\b(how long|duration|how many (days|weeks|months|years))\b", re.I)),
    ("date", re.compile(r"\b(when|what date|which date|what time|how soon)\b", re.I)),
    ("age", re.compile(r"\b(how old|what age|which age|minimum age|maximum age|age limits?|old enough|too (old|young)|"
                       r"youngest|oldest)\b", re.I)),
    ("number", re.compile(r"\b(how many|how much|how often|how old|what age|which age|minimum age|dose|dosage|"
                          r"mg|milligrams?|number of)\b", re.I)),
]

_EVIDENCE = {
    # A number that counts or measures: not a step or phase number, nor one inside a name (PHP1A).
    "number": re.compile(rf"(?i:(?<!step )(?<!phase )(?<![\w-])\d+(?![a-z])|\b({_NUMBER_WORDS})\b)|\b[A-Z]{{2,}}\d{{4,}}\b"),
    "age": re.compile(r"\baged?\b.{0,20}\d|\d+\s*(years?|months?)\s*(old|of age|or (over|older|more|under))", re.I),
    "date": re.compile(rf"\b(\d{{4}}|{_MONTHS}|{_TIME_UNITS}|today|tomorrow)\b", re.I),
    "duration": re.compile(rf"\b(\d+|{_NUMBER_WORDS}|few|several)\s+({_TIME_UNITS})\b|\buntil\b", re.I),
    "cost": re.compile(r"[$€£]|\b(\d+\s*(dollars?|euros?|usd|eur)|free of charge|no cost|paid|payment|reimburs\w*|"
                       r"compensat\w*|stipend)\b", re.I),
    # Someone named, or a role or body that is the answer to "who".
    "person": re.compile(r"\b(MD|Dr\.?|Prof\.?|PhD|investigator|sponsor|collaborator|team|committee|university|"
                         r"hospital|institute|coordinators?|doctor|parents?)\b", re.I),
    "place": re.compile(r"\b(university|hospital|clinic|cent(er|re)|institute|city|france|usa|united states)\b|"
                        r"\b[A-Z][a-z]+,\s+[A-Z][a-z]+", re.I),
    "address": re.compile(r"\b\d+\s+\w+(\s+\w+)?\s+(street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|rue)\b|"
                          r"\bparking\b", re.I),
}


def asked_kind(question: str) -> str | None:
    """The kind of fact the question asks for (age, number, date, duration, cost, person, place, address), if any."""
    return next((kind for kind, pattern in _QUESTION_KINDS if pattern.search(question or "")), None)


def holds(kind: str | None, text: str) -> bool:
    """Whether the text holds a fact of that kind (always true when no kind is asked for)."""
    return kind is None or bool(_EVIDENCE[kind].search(text))


# "What does iPPSD2 mean?", "what does parturient stand for?": asks what a word of the texts means.
_DEFINITION = re.compile(r"\bwhat(?:'s| does| do| is)? (?:the )?(?:word |term |abbreviation )?[\"'“]?([\w/.-]+?)[\"'”]?"
                         r"\s+(?:mean|means|stand for|stands for)\b|\bmeaning of [\"'“]?([\w/.-]+)", re.I)


def defined_term(question: str) -> str | None:
    """The word whose meaning the question asks for, if it asks for one."""
    match = _DEFINITION.search(question or "")
    return (match.group(1) or match.group(2)) if match else None


def defines(term: str, text: str) -> bool:
    """Whether the text says what the term means: spelled out in brackets next to it ("iPPSD2)
    (inactivating parathyroid hormone ...", "STS (sodium thiosulfate)"), or "term means/is a"."""
    t = re.escape(term)
    return bool(re.search(rf"{t}[^()\w]{{0,3}}\(|\([^()]*{t}[^()]*\)\s*\(|\w\s*\([^()]*\b{t}\)|"
                          rf"\b{t},? (means|is an?|refers to|stands for)\b", text, re.I))
