"""Byte-stable rendering: a fixture rendered twice, in two processes, gives the same bytes.

Otherwise every restart of the replica sites would serve "new" versions of unchanged files
(PDF CreationDate and /ID, zip member timestamps, Office core-properties dates) and the
pipeline would raise `revised_filing` for files that never changed.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime

# The replica's fixed publication moment (2025-09-16, as replica.site.PUBLISHED).
RENDERED_AT = datetime(2025, 9, 16, 0, 0, 0, tzinfo=UTC)
_ZIP_TIME = RENDERED_AT.timetuple()[:6]
_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_CORE_STAMP = RENDERED_AT.strftime("%Y-%m-%dT%H:%M:%SZ").encode()


def stable_zip(data: bytes) -> bytes:
    """The same archive with every member dated RENDERED_AT and, in Office files, the
    created/modified core properties set to it (openpyxl and python-docx stamp `now`)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATE.sub(lambda m: m.group(1) + _CORE_STAMP + m.group(3), body)
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            member.compress_type = info.compress_type
            member.external_attr = info.external_attr
            target.writestr(member, body)
    return out.getvalue()
