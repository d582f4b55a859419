"""What a test asks of a chart: a real PNG of sensible size that is not blank, and the charts in metadata."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image  # installed with matplotlib

from recast_pipeline.charts.chart_types import MAX_PNG_BYTES

DATA_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")


def png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct colours up to 256) of a PNG; fails unless it is one within the size limit."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    assert len(data) <= MAX_PNG_BYTES, len(data)
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        colours = image.convert("RGB").getcolors(maxcolors=256)
        return image.width, image.height, 256 if colours is None else len(colours)


def assert_sensible_png(data: bytes) -> None:
    width, height, colours = png_facts(data)
    assert 300 <= width <= 2000 and 120 <= height <= 2000, (width, height)
    assert colours > 1, "a blank image"


def pngs_in(markdown_or_html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in DATA_URI.findall(markdown_or_html)]
