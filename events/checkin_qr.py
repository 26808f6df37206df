"""The check-in code as a PNG QR image, drawn in pure Python (qrcode with pypng: no imaging
library, no CDN). The bot and the web page show it to a confirmed registrant; officers
scan it at the door."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage


def checkin_qr_png(code: str) -> bytes:
    """``code`` as a QR code in a PNG image (8 pixels a module, the standard quiet zone)."""
    image = qrcode.make(code, image_factory=PyPNGImage, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
