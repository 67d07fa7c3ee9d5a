"""Edit Image (n8n's editImage, version 1) with Pillow instead of GraphicsMagick.

Operations: information, resize (n8n's six resize options), crop, rotate, border, blur,
create, draw (rectangle, line, circle; blended), text, transparent, composite (the Over and
In operators) and multiStep (any of these in order). Left out: shear, the other composite
operators. `information` gives a subset of GraphicsMagick's identify output under its key
names (format, Format, Geometry, size, depth, Type, Class, Mime type, Filesize).
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import (
    Image,
    ImageColor,
    ImageDraw,
    ImageFilter,
    ImageFont,
    ImageOps,
    UnidentifiedImageError,
)

from hetumind.binary import put_binary
from hetumind.errors import HetumindError
from hetumind.items import ItemBatch
from hetumind.nodes.api import Node, NodeContext, NodeParams, node
from hetumind.nodes.builtin._fields import js_string
from hetumind.nodes.builtin._files import checked_path, entry_bytes
from hetumind.nodes.builtin._protocol import as_mapping
from hetumind.nodes.item_wise import map_items

PARAMETERS: dict[str, tuple[str, ...]] = {
    "blur": ("blur", "sigma"),
    "border": ("borderColor", "borderWidth", "borderHeight"),
    "create": ("backgroundColor", "height", "width"),
    "crop": ("height", "positionX", "positionY", "width"),
    "composite": ("dataPropertyNameComposite", "operator", "positionX", "positionY"),
    "draw": (
        "color",
        "cornerRadius",
        "endPositionX",
        "endPositionY",
        "primitive",
        "startPositionX",
        "startPositionY",
    ),
    "information": (),
    "resize": ("height", "resizeOption", "width"),
    "rotate": ("backgroundColor", "rotate"),
    "text": ("font", "fontColor", "fontSize", "lineLength", "positionX", "positionY", "text"),
    "transparent": ("color",),
}
DEFAULTS: dict[str, Any] = {
    "blur": 5,
    "sigma": 2,
    "borderColor": "#000000",
    "borderWidth": 10,
    "borderHeight": 10,
    "width": 500,
    "height": 500,
    "positionX": 0,
    "positionY": 0,
    "resizeOption": "maximumArea",
    "rotate": 0,
    "operator": "Over",
    "primitive": "rectangle",
    "color": "#ff000000",
    "cornerRadius": 0,
    "startPositionX": 50,
    "startPositionY": 50,
    "endPositionX": 250,
    "endPositionY": 250,
    "text": "",
    "fontSize": 18,
    "fontColor": "#000000",
    "lineLength": 80,
    "font": "default",
}
FORMATS = {"bmp": "BMP", "gif": "GIF", "jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP"}
_FORMAT_NAMES = {
    "PNG": "PNG (Portable Network Graphics)",
    "JPEG": "JPEG (Joint Photographic Experts Group JFIF format)",
    "GIF": "GIF (CompuServe graphics interchange format)",
    "BMP": "BMP (Microsoft Windows bitmap image)",
    "TIFF": "TIFF (Tagged Image File Format)",
    "WEBP": "WEBP (WebP Image Format)",
}


class EditImageParams(NodeParams):
    operation: str = "border"


class ImageError(Exception):
    """One item's image cannot be edited; the message says why."""


@node(
    "editImage",
    versions=[1],
    display_name="Edit Image",
    params=EditImageParams,
    pure=True,
    item_wise=True,
)
class EditImage(Node):
    """Edits an image: resize, crop, rotate, border, blur, text and more."""

    def run(self, ctx: NodeContext, inputs: Sequence[ItemBatch]) -> list[ItemBatch]:
        batch = inputs[0] if inputs else ItemBatch.empty()

        def step(i: int, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
            binary = batch.binary[i] if batch.binary is not None else None
            return _edit(ctx, i, row, dict(binary or {}), binary is None)

        failures = (ImageError, HetumindError, OSError, ValueError)
        return [map_items(ctx, batch, step, failures=failures)]


def _operations(ctx: NodeContext, i: int, operation: str) -> list[dict[str, Any]]:
    if operation == "multiStep":
        steps = as_mapping(ctx.param("operations", i, {})).get("operations") or []
        return [{**DEFAULTS, **dict(s)} for s in steps if isinstance(s, Mapping)]
    if operation not in PARAMETERS:
        raise ImageError(f'The operation "{operation}" is not supported')
    step = {"operation": operation}
    for name in PARAMETERS[operation]:
        default = "#ffffffff" if name == "backgroundColor" and operation == "rotate" else None
        if name == "backgroundColor" and operation == "create":
            default = "#ffffff00"
        step[name] = ctx.param(name, i, DEFAULTS.get(name, default) if default is None else default)
    return [step]


def _edit(
    ctx: NodeContext, i: int, row: dict[str, Any], binary: dict[str, Any], no_binary: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    operation = str(ctx.param("operation", i, "border"))
    prop = js_string(ctx.param("dataPropertyName", i, "data"))
    options = dict(as_mapping(ctx.param("options", i, {})))
    steps = _operations(ctx, i, operation)
    if not steps:
        raise ImageError("No operations are defined")
    image: Image.Image | None = None
    source_format = None
    if steps[0]["operation"] != "create":
        if no_binary:
            raise ImageError("Item does not contain any binary data.")
        if prop not in binary:
            raise ImageError(f'Item does not contain any binary data with the name "{prop}".')
        data = entry_bytes(binary[prop], prop)
        image = _open(data)
        source_format = image.format
    if operation == "information":
        assert image is not None
        return _information(image, len(data)), binary
    for step in steps:
        if options.get("font"):
            step = {**step, "font": options["font"]}  # the option wins, as in n8n
        image = _apply(ctx, step, image, binary)
        if step["operation"] == "create":
            options.setdefault("format", "png")
    assert image is not None
    fmt = str(options.get("format") or "").lower()
    pil_format = FORMATS.get(fmt) if fmt else (source_format or "PNG")
    if pil_format is None:
        raise ImageError(f"unsupported format {fmt!r}: use one of {', '.join(FORMATS)}")
    encoded = _encode(image, pil_format, options.get("quality"))
    previous = as_mapping(binary.get(prop))
    file_name = previous.get("fileName")
    if fmt and isinstance(file_name, str) and "." in file_name:
        file_name = ".".join(file_name.split(".")[:-1]) + "." + fmt
    if options.get("fileName") is not None:
        file_name = js_string(options["fileName"])
    mime = Image.MIME.get(pil_format, "application/octet-stream")
    entry = put_binary(encoded, mime_type=mime, file_name=str(file_name) if file_name else None)
    if not file_name:
        entry["fileExtension"] = fmt or pil_format.lower()
    return row, {**binary, prop: entry}


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"the binary data is not an image Pillow can read ({exc})") from None
    return image


def _information(image: Image.Image, size: int) -> dict[str, Any]:
    fmt = image.format or "PNG"
    kinds = {"1": "Bilevel", "L": "Grayscale", "LA": "GrayscaleAlpha", "P": "Palette"}
    kind = kinds.get(image.mode, "TrueColorAlpha" if "A" in image.mode else "TrueColor")
    return {
        "format": fmt,
        "Format": _FORMAT_NAMES.get(fmt, fmt),
        "Geometry": f"{image.width}x{image.height}",
        "size": {"width": image.width, "height": image.height},
        "depth": 16 if image.mode.startswith("I;16") else 8,
        "Class": "PseudoClass" if image.mode == "P" else "DirectClass",
        "Type": kind,
        "Mime type": Image.MIME.get(fmt, "application/octet-stream"),
        "Filesize": f"{size}B" if size < 1024 else f"{size / 1024:.1f}Ki",
    }


def _color(value: Any) -> tuple[int, ...]:
    try:
        return ImageColor.getcolor(js_string(value), "RGBA")  # type: ignore[return-value]
    except ValueError:
        raise ImageError(f"{value!r} is not a color") from None


def _int(step: Mapping[str, Any], name: str) -> int:
    try:
        return round(float(step.get(name, DEFAULTS.get(name, 0))))
    except (TypeError, ValueError):
        raise ImageError(f"parameter '{name}' must be a number") from None


def _resize(image: Image.Image, width: int, height: int, option: str) -> Image.Image:
    w0, h0 = image.size
    size: tuple[float, float]
    if option == "ignoreAspectRatio":
        size = (width, height)
    elif option == "percent":
        size = (w0 * width / 100, h0 * height / 100)
    else:
        fit = min(width / w0, height / h0)
        if option == "maximumArea":  # GraphicsMagick's '@': the area in pixels
            scale = math.sqrt(width * height / (w0 * h0))
        elif option == "minimumArea":  # '^': cover the box
            scale = max(width / w0, height / h0)
        elif option == "onlyIfLarger":  # '>'
            scale = fit if (w0 > width or h0 > height) else 1.0
        elif option == "onlyIfSmaller":  # '<'
            scale = fit if (w0 < width or h0 < height) else 1.0
        else:
            raise ImageError(f"unknown resizeOption {option!r}")
        size = (w0 * scale, h0 * scale)
    target = (max(1, round(size[0])), max(1, round(size[1])))
    return image if target == image.size else image.resize(target, Image.Resampling.LANCZOS)


def _lines(text: str, length: int) -> str:
    """n8n's word wrap: break before a word that would pass `length` characters."""
    lines: list[str] = []
    for text_line in text.split("\n"):
        current = ""
        for part in text_line.split(" "):
            if len(current) + len(part) + 1 > length:
                lines.append(current.strip())
                current = f"{part} "
                continue
            current += f"{part} "
        lines.append(current.strip())
    return "\n".join(lines)


def _apply(
    ctx: NodeContext, step: Mapping[str, Any], image: Image.Image | None, binary: Mapping[str, Any]
) -> Image.Image:
    op = step.get("operation")
    if op == "create":
        return Image.new(
            "RGBA", (_int(step, "width"), _int(step, "height")), _color(step["backgroundColor"])
        )
    if image is None:
        raise ImageError(f'the operation "{op}" needs an image: start with "create"')
    if op == "resize":
        return _resize(
            image, _int(step, "width"), _int(step, "height"), str(step.get("resizeOption"))
        )
    if op == "crop":
        x, y = _int(step, "positionX"), _int(step, "positionY")
        box = (
            x,
            y,
            min(image.width, x + _int(step, "width")),
            min(image.height, y + _int(step, "height")),
        )
        return image.crop(box)
    if op == "rotate":
        rgba = image.convert("RGBA")
        return rgba.rotate(
            -float(step.get("rotate") or 0), expand=True, fillcolor=_color(step["backgroundColor"])
        )
    if op == "border":
        w, h = _int(step, "borderWidth"), _int(step, "borderHeight")
        base = image.convert("RGBA")
        return ImageOps.expand(base, border=(w, h, w, h), fill=_color(step["borderColor"]))
    if op == "blur":
        return image.filter(ImageFilter.GaussianBlur(float(step.get("sigma") or 0)))
    if op == "transparent":
        pixels = np.array(image.convert("RGBA"))
        target = np.array(_color(step["color"])[:3], dtype=pixels.dtype)
        pixels[(pixels[..., :3] == target).all(axis=-1), 3] = 0
        return Image.fromarray(pixels, "RGBA")
    if op == "draw":
        rgba = image.convert("RGBA")
        layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)  # on a layer, then blended: a translucent fill shows through
        x0, y0 = _int(step, "startPositionX"), _int(step, "startPositionY")
        x1, y1 = _int(step, "endPositionX"), _int(step, "endPositionY")
        fill = _color(step["color"])
        primitive = step.get("primitive")
        if primitive == "line":
            draw.line((x0, y0, x1, y1), fill=fill)
        elif primitive == "circle":  # GraphicsMagick: centre, then a point on the edge
            r = math.hypot(x1 - x0, y1 - y0)
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=fill)
        else:
            draw.rounded_rectangle(
                (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)),
                radius=_int(step, "cornerRadius"),
                fill=fill,
            )
        return Image.alpha_composite(rgba, layer)
    if op == "text":
        rgba = image.convert("RGBA")
        size = _int(step, "fontSize")
        font_name = step.get("font")
        font: Any = ImageFont.load_default(size)
        if font_name and font_name != "default":
            path = checked_path(str(font_name), ctx)
            if path.is_file():  # like GraphicsMagick, a font that is not there is not an error
                font = ImageFont.truetype(str(path), size)
        layer = Image.new("RGBA", rgba.size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).text(
            (_int(step, "positionX"), _int(step, "positionY")),
            _lines(js_string(step.get("text") or ""), max(1, _int(step, "lineLength"))),
            fill=_color(step["fontColor"]),
            font=font,
            anchor="ls",  # GraphicsMagick draws text from its baseline
        )
        return Image.alpha_composite(rgba, layer)
    if op == "composite":
        other_prop = js_string(step.get("dataPropertyNameComposite") or "")
        if other_prop not in binary:
            raise ImageError(f'Item does not contain any binary data with the name "{other_prop}".')
        operator = step.get("operator") or "Over"
        if operator not in ("Over", "In"):
            raise ImageError(f"composite operator {operator!r} is not supported")
        other = _open(entry_bytes(binary[other_prop], other_prop)).convert("RGBA")
        base = image.convert("RGBA")
        at = (max(0, _int(step, "positionX")), max(0, _int(step, "positionY")))
        if operator == "Over":
            base.alpha_composite(other, at)
            return base
        # In: the overlay, shown only where the image under it is opaque (bounded: what
        # lies outside the overlay stays as it was)
        box = (
            at[0],
            at[1],
            min(base.width, at[0] + other.width),
            min(base.height, at[1] + other.height),
        )
        under = np.array(base.crop(box), dtype=np.uint16)
        over = np.array(other.crop((0, 0, box[2] - box[0], box[3] - box[1])), dtype=np.uint16)
        over[..., 3] = over[..., 3] * under[..., 3] // 255
        base.paste(Image.fromarray(over.astype(np.uint8), "RGBA"), box[:2])
        return base
    raise ImageError(f'The operation "{op}" is not supported')


def _encode(image: Image.Image, pil_format: str, quality: Any) -> bytes:
    if pil_format in ("JPEG", "BMP") and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if quality is not None and pil_format in ("JPEG", "WEBP"):
        kwargs["quality"] = int(quality)
    image.save(buffer, format=pil_format, **kwargs)
    return buffer.getvalue()
