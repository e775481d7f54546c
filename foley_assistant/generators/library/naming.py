"""Words from a sound file's name: UCS blocks (CatID_FXName_CreatorID_SourceID) or plain words.

Universal Category System names: CatID(-UserCategory)_(VendorCategory-)FXName_CreatorID_SourceID
(_UserData). The CatID is a category code in capitals followed by a subcategory code
("FEETHmn" = FEET + Hmn, "DOORWood" = DOOR + Wood). A name counts as UCS when it has at least four
blocks and its first block is a known CatID (from a UCS list the user loads) or has that shape.
Plain names are split into words at separators and at lower-to-upper case changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_CATID = re.compile(r"^([A-Z]{2,})([a-z0-9][A-Za-z0-9]*)$")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@dataclass(frozen=True)
class UcsName:
    """The blocks of a UCS file name ('' where absent)."""

    cat_id: str
    category_code: str
    subcategory_code: str
    user_category: str
    vendor_category: str
    fx_name: str
    creator_id: str
    source_id: str
    user_data: str


def parse_ucs(stem: str, known: Mapping[str, object] | None = None) -> UcsName | None:
    """The UCS blocks of a file name without extension, or None when it is not a UCS name."""
    blocks = stem.split("_")
    if len(blocks) < 4:
        return None
    cat_block = blocks[0]
    cat_id, _, user_category = cat_block.partition("-")
    shape = _CATID.match(cat_id)
    if not (known and cat_id in known) and shape is None:
        return None
    if shape is not None:
        letters = shape.group(1)
        category_code, subcategory_code = letters[:-1], letters[-1] + shape.group(2)
    else:
        category_code, subcategory_code = cat_id, ""
    vendor, dash, fx = blocks[1].partition("-")
    if not dash:
        vendor, fx = "", blocks[1]
    return UcsName(
        cat_id=cat_id,
        category_code=category_code,
        subcategory_code=subcategory_code,
        user_category=user_category,
        vendor_category=vendor,
        fx_name=fx,
        creator_id=blocks[2],
        source_id=blocks[3],
        user_data="_".join(blocks[4:]),
    )


def words(text: str) -> list[str]:
    """Lower-case words of a name or text: split at non-letters and at case changes ("CarPassBy" -> car pass by)."""
    return [w.lower() for w in _WORD.findall(text)]
