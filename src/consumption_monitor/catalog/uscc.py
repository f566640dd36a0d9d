"""统一社会信用代码 (Unified Social Credit Code, USCC) checksum, GB 32100-2015.

The code has 18 characters from a 31-symbol alphabet (digits and capitals without I, O, Z, S, V).
The 18th character is a check digit over the first 17 with weights 3^i mod 31.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# GB 32100-2015 §5: weight of position i (0-based) is 3**i mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def check_char(first17: str) -> str:
    """The check character for the first 17 characters.

    The worked example of GB 32100-2015 Annex A, 91350100M000100Y4 → 3:

    >>> check_char("91350100M000100Y4")
    '3'
    """
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: str) -> bool:
    """True when ``code`` has 18 valid characters and a correct check character.

    Lower-case letters are not accepted (the standard uses capitals only); callers strip spaces.

    >>> is_valid_uscc("91350100M000100Y43"), is_valid_uscc("91350100M000100Y44")
    (True, False)
    >>> is_valid_uscc("123")
    False
    """
    if len(code) != 18 or any(ch not in _VALUE for ch in code):
        return False
    return check_char(code[:17]) == code[17]


def make_uscc(registration_dept: str, org_type: str, area_code: str, org_code8: str) -> str:
    """Build a valid USCC from its parts (used by the simulator and tests).

    ``registration_dept`` + ``org_type`` are 1 character each (e.g. "9", "1" for a company),
    ``area_code`` the 6-digit admin code, ``org_code8`` 8 organisation-code characters; the
    9th organisation character and the check character are computed here.

    >>> make_uscc("9", "1", "120116", "MA05JYLX")
    '91120116MA05JYLX0H'
    """
    body = registration_dept + org_type + area_code + org_code8
    # The 9th character of the organisation code (GB 11714) is its own check digit; a zero keeps
    # generated codes deterministic while the USCC check character stays correct.
    first17 = body + "0"
    return first17 + check_char(first17)
