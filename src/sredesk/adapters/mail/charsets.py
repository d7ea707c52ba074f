"""Read the charset labels mail carries, including those Python's codecs do not know."""

from __future__ import annotations

import re
from functools import lru_cache

# Charset labels that mail clients send, as the WHATWG Encoding Standard lists them, which
# Python's codecs do not know: the codec that reads each. Hebrew Outlook writes iso-8859-8-i,
# Thai Outlook windows-874, older Apple Mail x-mac-roman.
CHARSETS = {
    **dict.fromkeys(("iso-8859-6-i", "iso-8859-6-e", "csiso88596i", "csiso88596e"), "iso8859-6"),
    **dict.fromkeys(("iso-8859-8-i", "iso-8859-8-e", "csiso88598i", "csiso88598e"), "iso8859-8"),
    **dict.fromkeys(("logical", "visual"), "iso8859-8"),
    **{f"iso8859{n}": f"iso8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15)},
    "sun_eu_greek": "iso8859-7",
    "csisolatin9": "iso8859-15",
    **dict.fromkeys(("koi", "koi8"), "koi8-r"),
    "koi8-ru": "koi8-u",
    **dict.fromkeys(("mac", "csmacintosh", "x-mac-roman"), "mac-roman"),
    **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian"), "mac-cyrillic"),
    **dict.fromkeys(("windows-874", "dos-874", "iso885911"), "cp874"),
    **{f"x-cp{n}": f"cp{n}" for n in range(1250, 1259)},
    **dict.fromkeys(("x-gbk", "csgb2312", "gb_2312", "gb_2312-80"), "gbk"),
    **dict.fromkeys(("cn-big5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("x-euc-jp", "cseucpkdfmtjapanese"), "euc-jp"),
    **dict.fromkeys(("windows-31j", "x-sjis"), "cp932"),
    **dict.fromkeys(
        ("windows-949", "ks_c_5601-1989", "ksc_5601", "cseuckr", "csksc56011987", "iso-ir-149"),
        "cp949",
    ),
    **dict.fromkeys(
        ("unicode", "ucs-2", "csunicode", "iso-10646-ucs-2", "unicodefeff"), "utf-16-le"
    ),
    "unicodefffe": "utf-16-be",
}


@lru_cache(maxsize=256)
def is_text_codec(charset: str) -> bool:
    """Whether Python can decode any bytes as `charset`, bad ones replaced.

    Not so for names it does not know, nor for codecs it knows that are not text encodings
    ('base64', 'zlib') or that refuse replacement ('idna', 'punycode'): decoding raises.
    """
    try:
        b"\xff".decode(charset, "replace")
    except (LookupError, ValueError):
        return False
    return True


# The HTML standard's prescan, kept to what mail needs: a <meta charset=...> or a
# <meta http-equiv content="...; charset=..."> in the first 1,024 bytes.
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([a-z0-9_.:-]+)", re.IGNORECASE)


def codec_for(label: str) -> str:
    """The codec name for a charset label as mail writes it."""
    label = label.strip().lower()
    return CHARSETS.get(label, label)


def meta_charset(page: bytes) -> str | None:
    """The codec an HTML page names for itself, for a part whose Content-Type names none.

    A label found by this ASCII scan cannot be UTF-16's, so it reads as UTF-8, as browsers
    do; a label no codec reads is no label.
    """
    found = _META_CHARSET.search(page, 0, 1024)
    if found is None:
        return None
    codec = codec_for(found.group(1).decode("ascii"))
    if codec.replace("_", "-").startswith("utf-16"):
        return "utf-8"
    return codec if is_text_codec(codec) else None
