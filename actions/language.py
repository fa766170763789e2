"""Which language a message is written in: French or English (the assistant answers in English; a
French message gets the emergency reply in French, or a short note in French). Function words
decide, so that a French name ("Limoges", "CHU") in an English sentence changes nothing."""
from __future__ import annotations

import re

FRENCH, ENGLISH = "fr", "en"
_WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœ]+(?:'[a-zàâçéèêëîïôûùüÿœ]+)?")
_FRENCH_WORDS = frozenset(
    "le la les un une des du de au aux et ou est sont suis es était sera ai as avons avez ont je j tu il elle on nous "
    "vous ils elles me m te t se s lui leur mon ma mes ton ta tes son sa ses notre nos votre vos ce cet cette ces "
    "qui que qu quoi où comment pourquoi quand combien est-ce pas ne n plus avec pour dans sur sous mais donc car "
    "très aussi bonjour merci oui non fille fils enfant bébé peut peux pouvez puis veux voudrais faut depuis après "
    "avant rien tout toute tous moi toi ça cela chez étude essai traitement piqûre injection médecin aide".split())
_ENGLISH_WORDS = frozenset(
    "the a an and or is are am was were be been i you he she it we they my your his her our their this that these "
    "those what who how when where why which can could would should will do does did have has had not no yes with "
    "for to of in on at from about there here me him them study trial".split())
_ACCENTED = re.compile(r"[àâçéèêëîïôûùüÿœ]")


def language_of(text: str | None) -> str:
    """FRENCH when the message's words are mostly French function words, else ENGLISH. A word or two
    ("oui", "non", a name) is not enough: it takes two French words, outnumbering the English ones."""
    words = [w.split("'")[0] if "'" in w else w for w in _WORD.findall((text or "").lower().replace("’", "'"))]
    french = sum(w in _FRENCH_WORDS for w in words) + (1 if _ACCENTED.search((text or "").lower()) else 0)
    english = sum(w in _ENGLISH_WORDS for w in words)
    return FRENCH if french >= 2 and french > english else ENGLISH
