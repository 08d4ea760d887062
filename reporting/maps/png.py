"""A PNG of a map (or any of the portal's SVG pictures), for documents that take no SVG (DOCX).

resvg (through the `resvg-py` wheel, MPL-2.0) renders without any system library; the text needs a CJK font
installed on the system (`fonts-wqy-microhei`, which the install script and the image already provide).
"""

from __future__ import annotations

import resvg_py


def svg_png(svg: str, width: int) -> bytes:
    """The SVG rendered `width` pixels wide (height in proportion), on white."""
    width = int(width)
    if width <= 0:
        raise ValueError(f"PNG width must be positive, not {width}")
    return bytes(resvg_py.svg_to_bytes(svg_string=str(svg), width=width, background="#ffffff"))
