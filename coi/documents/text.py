"""The rules for stored text: how it is normalised on the way in, and how it is hashed.

Stored text is always passed through normalise() first, and sha256_of() hashes exactly the
stored text, so the hash in the register, the hash in an exported file and `sha256sum` of the
exported body all agree.
"""

import hashlib
import re


def normalise(text: str) -> str:
    """The text as it is stored: CRLF and lone CR become LF; NUL and lone surrogates, which
    neither UTF-8 nor PostgreSQL can hold, become U+FFFD. Nothing else changes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub("[\x00\ud800-\udfff]", "\ufffd", text)


def sha256_of(markdown: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of the text exactly as given (normalise before storing)."""
    return hashlib.sha256(markdown.encode("utf-8")).hexdigest()
