"""A scanned filing, like seed 000: the rendered pages printed, scanned at 150 dpi, slightly
skewed, with paper noise and JPEG artefacts, put back into a PDF of images (no text layer)."""

from __future__ import annotations

import io
import random

SCAN_DPI = 150


def render_scanned(pdf: bytes, pages: list[int] | None = None, seed: int = 7, max_skew: float = 0.8) -> bytes:
    """Pages (1-based; default all) of a text PDF → an image-only PDF; deterministic for a seed."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    document = pdfium.PdfDocument(pdf)
    chosen = pages or list(range(1, len(document) + 1))
    images = []
    for number in chosen:
        image = document[number - 1].render(scale=SCAN_DPI / 72).to_pil().convert("L")
        image = image.rotate(rng.uniform(-max_skew, max_skew), resample=Image.BICUBIC, expand=False, fillcolor=255)
        pixels = np.asarray(image, dtype=np.int16)
        pixels = pixels + noise.normal(0, 10, pixels.shape).astype(np.int16)  # paper grain
        specks = noise.random(pixels.shape) < 0.0008
        pixels[specks] = 40  # dust
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4))
        buf = io.BytesIO()
        image.save(buf, "JPEG", quality=70)
        images.append(Image.open(io.BytesIO(buf.getvalue())))
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=SCAN_DPI, save_all=True, append_images=images[1:])
    document.close()
    return out.getvalue()
