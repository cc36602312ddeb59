"""Text in, text or keys out: script detection, normalisation, name parsing, romanization, keys.

Pure functions; the word lists, variant tables and the trained romanizer are data files in
transliteration/data, read once at import.
"""

from transliteration.keys import given_name_keys, name_keys, skeleton
from transliteration.normalize import fold_nukta, normalize
from transliteration.parse import (
    ParsedName,
    named_relative,
    parse_name,
    relative_field_name,
    relative_of,
)
from transliteration.romanize import romanize, to_latin
from transliteration.script import Script, detect_script

__all__ = [
    "ParsedName",
    "Script",
    "detect_script",
    "fold_nukta",
    "given_name_keys",
    "name_keys",
    "named_relative",
    "normalize",
    "parse_name",
    "relative_field_name",
    "relative_of",
    "romanize",
    "skeleton",
    "to_latin",
]
