"""Scanned filings, like seed 000: the rendered pages printed, scanned, put back into a PDF of
images (no text layer). `render_scanned` is a clean office scan (150 dpi, slight skew, paper
grain, JPEG); `render_noisy_scan` is a poor one (skew up to ±1°, blur, dust and holes, faded
ink under uneven light, heavy JPEG). Both are byte-stable: the same bytes for the same pages
and seed, in any process (fixed noise seeds, the PDF dated replica.stable.RENDERED_AT)."""

from __future__ import annotations

import io
import random

from replica.stable import RENDERED_AT

SCAN_DPI = 150
_PDF_DATES = {"creationDate": RENDERED_AT.timetuple(), "modDate": RENDERED_AT.timetuple()}


def _rendered_pages(pdf: bytes, pages: list[int] | None):
    """Gray PIL images of the chosen pages (1-based; default all) at the scanner's resolution."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        for number in pages or list(range(1, len(document) + 1)):
            yield document[number - 1].render(scale=SCAN_DPI / 72).to_pil().convert("L")
    finally:
        document.close()


def _as_pdf(images) -> bytes:
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=SCAN_DPI, save_all=True, append_images=images[1:], title="scan", **_PDF_DATES)
    return out.getvalue()


def _jpeg(image, quality: int):
    from PIL import Image

    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue()))


def render_scanned(pdf: bytes, pages: list[int] | None = None, seed: int = 7, max_skew: float = 0.8) -> bytes:
    """Pages (1-based; default all) of a text PDF → an image-only PDF; deterministic for a seed."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    images = []
    for image in _rendered_pages(pdf, pages):
        image = image.rotate(rng.uniform(-max_skew, max_skew), resample=Image.BICUBIC, expand=False, fillcolor=255)
        pixels = np.asarray(image, dtype=np.int16)
        pixels = pixels + noise.normal(0, 10, pixels.shape).astype(np.int16)  # paper grain
        specks = noise.random(pixels.shape) < 0.0008
        pixels[specks] = 40  # dust
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4))
        images.append(_jpeg(image, 70))
    return _as_pdf(images)


def render_noisy_scan(pdf: bytes, pages: list[int] | None = None, seed: int = 11, max_skew: float = 1.0) -> bytes:
    """A poor scan of the pages: each page turned by up to ±max_skew degrees, blurred (a
    scanner out of focus), faded ink (the darkest ink at gray 70–95) under light that falls off
    across the page (a gray gradient and a darker corner), dust specks and ink dropped out in
    holes, paper grain, and JPEG at quality 50. Deterministic for a seed."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    images = []
    for image in _rendered_pages(pdf, pages):
        image = image.rotate(rng.uniform(-max_skew, max_skew), resample=Image.BICUBIC, expand=False, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 0.8)))
        ink = 1.0 - np.asarray(image, dtype=np.float32) / 255.0  # 1 where black
        h, w = ink.shape
        # Uneven light: paper from white to gray 200 along a random direction, ink faded.
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1.5) / 3.0  # 0.17 … 0.83
        paper = 250.0 - 50.0 * ramp
        darkest = rng.uniform(70, 95)
        pixels = paper - ink * (paper - darkest)
        pixels += noise.normal(0, 8, pixels.shape)  # paper grain
        holes = (noise.random(pixels.shape) < 0.002) & (ink > 0.5)
        pixels[holes] = paper[holes]  # ink dropped out
        specks = noise.random(pixels.shape) < 0.001
        pixels[specks] = noise.uniform(30, 90, int(specks.sum()))  # dust
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
        images.append(_jpeg(image, 50))
        del ink, yy, xx, ramp, paper, pixels
    return _as_pdf(images)
